-- Rate limiter. ARGV: now, op ('acquire' or 'cancel'), name, ticket ('' = do not wait), permits,
-- window ms, hold ms. Returns {0, at} granted, {1, retry after ms} refused, {2} queued, {3, permits,
-- window} another limiter of that name; cancel returns {2}.
local now = now_ms()
local name = ARGV[3]
local ticket = ARGV[4]
local r = base .. ':r:' .. name
local rg = base .. ':rg:' .. name
local rq = base .. ':rq:' .. name
local rh = base .. ':rh:' .. name
if ARGV[2] == 'cancel' then
  redis.call('ZREM', rq, ticket)
  redis.call('ZREM', rh, ticket)
  return {2}
end
local permits = tonumber(ARGV[5])
local per = tonumber(ARGV[6])
local hold = tonumber(ARGV[7])
-- A limiter's time never goes back: brokers whose clocks (or calls) come in late see the latest
-- time it has seen, so a grant is never placed before one already in the window.
local last = tonumber(redis.call('HGET', r, 't') or '0')
if now < last then
  now = last
end
-- Grants at or before now - per have left the window: any permits + 1 grants span at least per.
redis.call('ZREMRANGEBYSCORE', rg, '-inf', num(now - per))
-- Waits whose broker stopped polling (it died) leave the queue.
for _, t in ipairs(redis.call('ZRANGEBYSCORE', rh, '-inf', '(' .. num(now))) do
  redis.call('ZREM', rq, t)
  redis.call('ZREM', rh, t)
end
local h = redis.call('HMGET', r, 'p', 'w')
if h[1] and (tonumber(h[1]) ~= permits or tonumber(h[2]) ~= per)
    and (redis.call('ZCARD', rg) > 0 or redis.call('ZCARD', rq) > 0) then
  return {3, tonumber(h[1]), tonumber(h[2])}
end
redis.call('HSET', r, 'p', permits, 'w', per, 't', num(now))
local free = permits - redis.call('ZCARD', rg)
local queued = ticket ~= '' and redis.call('ZSCORE', rq, ticket)
local eligible
if queued then
  eligible = redis.call('ZRANK', rq, ticket) < free
else
  -- Waiters are served first: a newcomer gets a permit only when nobody waits.
  eligible = free > 0 and redis.call('ZCARD', rq) == 0
end
local function keep()
  for _, key in ipairs({r, rg, rq, rh}) do
    redis.call('PEXPIRE', key, num(per + hold + 1000))
  end
end
if eligible then
  redis.call('ZADD', rg, num(now), redis.call('HINCRBY', META, 'rseq', 1))
  if queued then
    redis.call('ZREM', rq, ticket)
    redis.call('ZREM', rh, ticket)
  end
  keep()
  return {0, now}
end
if ticket == '' then
  local after = 1
  if redis.call('ZCARD', rq) == 0 then
    local oldest = redis.call('ZRANGE', rg, 0, 0, 'WITHSCORES')
    after = math.max(1, tonumber(oldest[2]) + per - now)
  end
  keep()
  return {1, after}
end
if not queued then
  redis.call('ZADD', rq, redis.call('HINCRBY', META, 'rseq', 1), ticket)
end
redis.call('ZADD', rh, num(now + hold), ticket)
keep()
return {2}
