-- ARGV: now, key, refresh (0/1), lru (0/1), grace ms
-- Returns {0} missing, {2} expired (and removed), {1, compressed[, value]} found.
local now = now_ms()
local k = ARGV[2]
local vk = vkey(k)
local h = redis.call('HMGET', vk, 'd', 'c', 't', 'v')
if not h[1] then
  if redis.call('ZSCORE', base .. ':k', k) then
    remove_item(k)
  end
  return {0}
end
if tonumber(h[1]) <= now then
  remove_item(k)
  return {2}
end
if ARGV[3] == '1' then
  local nd = deadline(now, tonumber(h[3]))
  redis.call('HSET', vk, 'd', num(nd))
  redis.call('ZADD', base .. ':k', num(nd), k)
  redis.call('PEXPIRE', vk, num(nd - now + tonumber(ARGV[5])))
end
if ARGV[4] == '1' then
  touch(k)
end
if h[4] then
  return {1, h[2], h[4]}
end
return {1, h[2]}
