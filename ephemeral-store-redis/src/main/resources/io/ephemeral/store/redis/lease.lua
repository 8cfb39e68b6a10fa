-- ARGV: now, pool, worker, ttl ms, size (0 = as the pool is), ticket ('' = do not wait),
--       hold ms (an unpolled wait is abandoned after it), token floor
-- Returns {slot, token} granted or renewed, {-1} holds another key, {-2, pool size} pool full,
--         {-3, pool size} size mismatch, {-4} already waiting, {-5} queued.
local now = now_ms()
local pool = ARGV[2]
local worker = ARGV[3]
local ttl = tonumber(ARGV[4])
local size = tonumber(ARGV[5])
local ticket = ARGV[6]
local hold = tonumber(ARGV[7])
local floor = tonumber(ARGV[8])
-- Expired leases and abandoned waits of other pools are the sweeper's; this call purges only
-- what it depends on: the worker's own lease and waits, and this pool's holders and queue.

local waiting = redis.call('HGET', base .. ':qw', worker)
if waiting and waiting ~= ticket then
  -- The worker's earlier wait may have been abandoned (its broker went away) and be past its hold.
  purge_waits(now, 64)
  waiting = redis.call('HGET', base .. ':qw', worker)
  if waiting and waiting ~= ticket then
    return {-4}
  end
end

local rec = redis.call('HGET', base .. ':lw', worker)
if rec then
  local slot, token, held = parse_lease(rec)
  local dl = tonumber(redis.call('ZSCORE', base .. ':le', worker))
  if dl <= now then
    unlink(worker, rec)
  elseif held ~= pool then
    return {-1}
  else
    -- Renewal: same slot, same token (it is not a new grant).
    local nd = deadline(now, ttl)
    redis.call('ZADD', base .. ':le', num(nd), worker)
    redis.call('ZADD', base .. ':lx:' .. pool, num(nd), worker)
    return {slot, token}
  end
end

local lp, lf, lx, lq = pool_keys(pool)
local p = redis.call('HMGET', lp, 'size', 'holders', 'next')
local waiters = 0
if p[1] then
  -- Expired holders and abandoned waits past their hold must not keep slots or places from live
  -- ones. (A pool that does not exist has neither: its keys go together, see drop_if_unused.)
  local purged = purge_pool(pool, now)
  waiters = redis.call('ZCARD', lq)
  if waiters > 0 then
    purged = purged + purge_waits(now, 64)
  end
  if purged > 0 then
    p = redis.call('HMGET', lp, 'size', 'holders', 'next')
    waiters = redis.call('ZCARD', lq)
  end
end
local fresh = not p[1]
local psize, holders, nxt
if fresh then
  psize, holders, nxt = size, 0, 0
else
  psize, holders, nxt = tonumber(p[1]), tonumber(p[2]), tonumber(p[3])
  if size > 0 and psize ~= size then
    if psize ~= 0 or holders > size then
      return {-3, psize}
    end
    -- An unlimited pool takes the first size asked for while it fits.
    psize = size
    redis.call('HSET', lp, 'size', size)
  end
end

local free = math.huge
if psize > 0 then
  free = psize - holders
end
local queued = not fresh and ticket ~= '' and redis.call('ZSCORE', lq, ticket)
local eligible
if queued then
  eligible = free > 0 and redis.call('ZRANK', lq, ticket) < free
else
  -- Waiters are served first: a newcomer gets a slot only when nobody waits.
  eligible = free > 0 and waiters == 0
end

if eligible then
  local slot
  local lowest = {}
  if not fresh then
    lowest = redis.call('ZPOPMIN', lf)
  end
  if lowest[1] then
    slot = tonumber(lowest[1])
    redis.call('HSET', lp, 'holders', holders + 1)
  else
    -- Also makes a new pool (which always has a free slot): its record is written once.
    slot = nxt
    redis.call('HSET', lp, 'size', psize, 'holders', holders + 1, 'next', nxt + 1)
  end
  local token = next_token(floor)
  local d = deadline(now, ttl)
  redis.call('HSET', base .. ':lw', worker, slot .. ':' .. num(token) .. ':' .. pool)
  redis.call('ZADD', base .. ':le', num(d), worker)
  redis.call('ZADD', lx, num(d), worker)
  if queued then
    drop_ticket(ticket)
  end
  return {slot, token}
end

if ticket ~= '' then
  if not queued then
    local seq = redis.call('HINCRBY', META, 'qseq', 1)
    redis.call('ZADD', lq, seq, ticket)
    redis.call('HSET', base .. ':qt', ticket, #worker .. ':' .. worker .. pool)
    redis.call('HSET', base .. ':qw', worker, ticket)
  end
  redis.call('ZADD', base .. ':qd', num(now + hold), ticket)
  return {-5}
end
return {-2, psize}
