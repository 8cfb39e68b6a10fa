-- compute. ARGV: now, op ('compute' or 'cancel'), key, claim ttl ms, ticket ('' = do not wait),
-- hold ms. Returns {0, compressed[, value]} a live value, {1, token} claimed, {2, waiting} another
-- caller holds the claim (or waits longer: the longest waiter gets a claim that ends without a
-- value) and waiting callers wait in the key's queue; cancel returns {2}.
local now = now_ms()
local k = ARGV[3]
local ticket = ARGV[5]
local cq = base .. ':cq:' .. k
local ch = base .. ':ch:' .. k
local function leave()
  redis.call('ZREM', cq, ticket)
  redis.call('ZREM', ch, ticket)
end
if ARGV[2] == 'cancel' then
  leave()
  return {2}
end
local item = live_item(k, now)
if item then
  leave()
  local compressed = item[1] == '1' and '1' or '0'
  if item[4] then
    return {0, compressed, item[4]}
  end
  return {0, compressed}
end
-- Waits whose broker stopped polling (it died) leave the queue.
for _, t in ipairs(redis.call('ZRANGEBYSCORE', ch, '-inf', '(' .. num(now))) do
  redis.call('ZREM', cq, t)
  redis.call('ZREM', ch, t)
end
local ck = base .. ':c:' .. k
local held = redis.call('HGET', ck, 'd')
local queued = ticket ~= '' and redis.call('ZSCORE', cq, ticket)
local first
if queued then
  first = redis.call('ZRANK', cq, ticket) == 0
else
  first = redis.call('ZCARD', cq) == 0
end
if not (held and tonumber(held) > now) and first then
  leave()
  local token = redis.call('HINCRBY', META, 'ctoken', 1)
  local ttl = tonumber(ARGV[4])
  redis.call('HSET', ck, 't', token, 'd', num(deadline(now, ttl)))
  redis.call('PEXPIRE', ck, num(ttl))
  return {1, token}
end
if ticket ~= '' then
  if not queued then
    redis.call('ZADD', cq, redis.call('HINCRBY', META, 'rseq', 1), ticket)
  end
  local hold = tonumber(ARGV[6])
  redis.call('ZADD', ch, num(now + hold), ticket)
  redis.call('PEXPIRE', cq, num(hold * 4))
  redis.call('PEXPIRE', ch, num(hold * 4))
end
return {2, redis.call('ZCARD', cq)}
