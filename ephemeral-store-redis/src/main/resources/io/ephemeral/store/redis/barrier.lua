-- barrier. ARGV: now, op ('arrive', 'poll' or 'break'), name, ticket, parties, hold ms, why.
-- Returns {outcome, index, parties, arrived, detail}: outcome 0 released, 1 waiting, 2 parties
-- mismatch (parties and arrived of the waiting ones), 3 broken (detail says why).
local now = now_ms()
local op = ARGV[2]
local name = ARGV[3]
local ticket = ARGV[4]
local hold = tonumber(ARGV[6])
local b = base .. ':b:' .. name
local bh = base .. ':bh:' .. name
local bi = base .. ':bi:' .. name
local bo = base .. ':bo:' .. name

local function keep()
  -- State no party asks about for a while is dropped by Redis itself.
  for _, key in ipairs({b, bh, bi, bo}) do
    redis.call('PEXPIRE', key, num(hold * 4))
  end
end

-- Ends the current round as broken: its waiting parties learn why on their next poll.
local function break_round(why)
  local g = tonumber(redis.call('HGET', b, 'g') or '0')
  redis.call('HSET', bo, g, 'B' .. why .. '|' .. (redis.call('HGET', b, 'n') or '0'))
  redis.call('HSET', b, 'n', 0, 'g', g + 1)
  redis.call('DEL', bh)
end

-- A party whose broker stopped polling (it died) breaks the round.
if redis.call('ZCOUNT', bh, '-inf', '(' .. num(now)) > 0 then
  break_round("a party's broker stopped asking for it (it stopped?)")
end

if op == 'break' then
  local info = redis.call('HGET', bi, ticket)
  redis.call('HDEL', bi, ticket)
  if info then
    local g = tonumber(string.sub(info, 1, string.find(info, ':', 1, true) - 1))
    if tonumber(redis.call('HGET', b, 'g') or '0') == g and not redis.call('HGET', bo, g) then
      break_round(ARGV[7])
    end
  end
  keep()
  return {3, 0, 0, 0, ''}
end

if op == 'poll' then
  local info = redis.call('HGET', bi, ticket)
  if not info then
    return {3, 0, 0, 0, 'the barrier was lost by the store'}
  end
  local colon = string.find(info, ':', 1, true)
  local g = string.sub(info, 1, colon - 1)
  local index = tonumber(string.sub(info, colon + 1))
  local parties = tonumber(redis.call('HGET', b, 'p') or '0')
  local outcome = redis.call('HGET', bo, g)
  if outcome == 'R' then
    redis.call('HDEL', bi, ticket)
    return {0, index, parties, parties, ''}
  end
  if outcome then
    redis.call('HDEL', bi, ticket)
    local bar = string.find(outcome, '|', 1, true)
    return {3, index, parties, tonumber(string.sub(outcome, bar + 1)), string.sub(outcome, 2, bar - 1)}
  end
  redis.call('ZADD', bh, num(now + hold), ticket)
  keep()
  return {1, index, parties, tonumber(redis.call('HGET', b, 'n')), ''}
end

-- arrive
local parties = tonumber(ARGV[5])
local h = redis.call('HMGET', b, 'p', 'n', 'g')
local arrived = tonumber(h[2] or '0')
if arrived > 0 and tonumber(h[1]) ~= parties then
  return {2, 0, tonumber(h[1]), arrived, ''}
end
local g = tonumber(h[3] or '0')
local index = arrived
arrived = arrived + 1
if arrived == parties then
  redis.call('HSET', bo, g, 'R')
  redis.call('HSET', b, 'p', parties, 'n', 0, 'g', g + 1)
  redis.call('DEL', bh)
  keep()
  return {0, index, parties, arrived, ''}
end
redis.call('HSET', b, 'p', parties, 'n', arrived, 'g', g)
redis.call('HDEL', bo, g)
redis.call('ZADD', bh, num(now + hold), ticket)
redis.call('HSET', bi, ticket, g .. ':' .. index)
keep()
return {1, index, parties, arrived, ''}
