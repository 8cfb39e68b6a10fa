-- ARGV: now, key, refresh (0/1), lru (0/1), grace ms
-- Returns {0} missing, {2} expired (and removed), {1, compressed[, value]} found.
-- Without refresh and lru, and with the Redis clock, the store reads the item with GET and PTTL
-- instead (see RedisStore); this script is for the other cases.
local now = now_ms()
local k = ARGV[2]
local item = read_item(k)
if not item then
  if redis.call('ZSCORE', base .. ':k', k) then
    remove_item(k)
  end
  return {0}
end
if item[2] <= now then
  remove_item(k)
  return {2}
end
if ARGV[3] == '1' then
  local nd = deadline(now, item[3])
  write_item(k, item[1], nd, item[3], item[4], now, tonumber(ARGV[5]))
  redis.call('ZADD', base .. ':k', num(nd), k)
end
if ARGV[4] == '1' then
  touch(k)
end
if item[4] then
  return {1, item[1], item[4]}
end
return {1, item[1]}
