-- Shared by every script of the Redis store. All keys of one deployment share the hash tag of
-- KEYS[1] ("{prefix}:m"), so they live in one cluster slot and a script may touch any of them.
--
-- Layout under base = "{prefix}":
--   :m            hash   bytes (approximate item bytes), token (last fencing token), qseq, lru
--   :v:<key>      string "<c><deadline ms>:<ttl ms>:<JSON text>", c = '0' plain value, '1' compressed value,
--                        '-' no value (nothing after the second ':'); Redis drops it grace ms after its
--                        deadline (PEXPIRE), so a plain GET + PTTL reads a value and its expiry at once
--   :k            zset   key -> deadline (live count, expiry, list)
--   :s            hash   key -> accounted bytes
--   :u            zset   key -> last use (lru eviction only)
--   :lw           hash   worker -> "slot:token:pool"
--   :le           zset   worker -> lease deadline
--   :lp:<pool>    hash   size, holders, next (one past the highest slot handed out)
--   :lf:<pool>    zset   freed slots below next (lowest free slot = ZPOPMIN, else next)
--   :lx:<pool>    zset   worker -> lease deadline, for this pool
--   :lq:<pool>    zset   ticket -> arrival sequence (the waiting queue, first come first served)
--   :qw           hash   worker -> ticket it waits with
--   :qt           hash   ticket -> "<#worker>:<worker><pool>"
--   :qd           zset   ticket -> time after which an unpolled wait is abandoned
--   :c:<key>      hash   t (token), d (deadline): the claim to compute a missing key
--   :b:<name>     hash   p (parties), n (arrived in this round), g (round)
--   :bh:<name>    zset   ticket -> time after which an unpolled party is abandoned
--   :bi:<name>    hash   ticket -> "round:index" of a waiting party
--   :bo:<name>    hash   round -> "R" (released) or "B<why>" (broken)
--   :r:<name>     hash   p (permits), w (window ms) of a rate limiter
--   :rg:<name>    zset   grant number -> time, the grants still in the window
--   :rq:<name>    zset   ticket -> arrival number (the waiting queue, first come first served)
--   :rh:<name>    zset   ticket -> time after which an unpolled wait is abandoned
-- (META also holds ctoken, the last claim token, and rseq, the last grant or arrival number.)
--
-- Time is ARGV[1] when given (tests drive a manual clock), else the Redis server's TIME, so that
-- brokers on different hosts agree on what has expired.

local base = string.sub(KEYS[1], 1, -3)
local META = KEYS[1]
local MAXD = 9007199254740991

local function now_ms()
  if ARGV[1] ~= '' then
    return tonumber(ARGV[1])
  end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A whole number (all that is ever passed: times, deadlines, counts, tokens, at most 2^53 - 1) as
-- Redis's text for it; '%d' takes half the time of '%.0f' in Redis's Lua.
local function num(x)
  return string.format('%d', x)
end

local function deadline(now, ttl)
  local d = now + ttl
  if d > MAXD then
    d = MAXD
  end
  return d
end

-- items

local function vkey(k)
  return base .. ':v:' .. k
end

local function remove_item(k)
  redis.call('DEL', vkey(k))
  redis.call('ZREM', base .. ':k', k)
  redis.call('ZREM', base .. ':u', k)
  local sz = redis.call('HGET', base .. ':s', k)
  if sz then
    redis.call('HDEL', base .. ':s', k)
    redis.call('HINCRBY', META, 'bytes', -tonumber(sz))
  end
end

local function purge_items(now, budget)
  local due = redis.call('ZRANGEBYSCORE', base .. ':k', '-inf', num(now), 'LIMIT', 0, budget)
  for _, k in ipairs(due) do
    remove_item(k)
  end
  return #due
end

-- The item of key k: {compressed flag, deadline, ttl, JSON text or nil}, or nil when none.
local function read_item(k)
  local raw = redis.call('GET', vkey(k))
  if not raw then
    return nil
  end
  local a = string.find(raw, ':', 2, true)
  local b = string.find(raw, ':', a + 1, true)
  local c = string.sub(raw, 1, 1)
  local json = nil
  if c ~= '-' then
    json = string.sub(raw, b + 1)
  end
  return {c, tonumber(string.sub(raw, 2, a - 1)), tonumber(string.sub(raw, a + 1, b - 1)), json}
end

-- Writes key k's item; Redis drops it grace ms after its deadline d.
local function write_item(k, c, d, ttl, json, now, grace)
  local flag = '-'
  if json then
    flag = c
  end
  redis.call('SET', vkey(k), flag .. num(d) .. ':' .. num(ttl) .. ':' .. (json or ''), 'PX', num(d - now + grace))
end

local function touch(k)
  redis.call('ZADD', base .. ':u', redis.call('HINCRBY', META, 'lru', 1), k)
end

-- The live item of key k as read_item gives it, or nil; an item whose TTL has passed is removed.
local function live_item(k, now)
  local item = read_item(k)
  if not item then
    if redis.call('ZSCORE', base .. ':k', k) then
      remove_item(k)
    end
    return nil
  end
  if item[2] <= now then
    remove_item(k)
    return nil
  end
  return item
end

-- Writes key k's item as set does: json (nil for a set without value), compressed ('0'/'1'), ttl
-- ms, max items (0 = no limit), lru, grace ms. Returns {1, 0} when a new key is refused for max
-- items, else {0, evicted}.
local function put_item(now, k, json, compressed, ttl, max, lru, grace)
  local kz = base .. ':k'
  local evicted = 0
  -- An existing key, even one whose TTL passed, is overwritten without counting against maxItems.
  if max > 0 and not redis.call('ZSCORE', kz, k) and redis.call('ZCOUNT', kz, '(' .. num(now), '+inf') >= max then
    -- Expired items make room first; then the least recently used item goes, or the write is
    -- refused.
    while purge_items(now, 1000) > 0 do
    end
    if redis.call('ZCARD', kz) >= max then
      if not lru then
        return {1, 0}
      end
      local victim = redis.call('ZRANGE', base .. ':u', 0, 0)[1]
      if not victim then
        victim = redis.call('ZRANGE', kz, 0, 0)[1]
      end
      remove_item(victim)
      evicted = 1
    end
  end
  local d = deadline(now, ttl)
  -- Redis drops the key a little after its deadline; until then a get answers "expired", as the
  -- memory store does until its sweeper runs.
  write_item(k, compressed, d, ttl, json, now, grace)
  redis.call('ZADD', kz, num(d), k)
  -- 120: the memory store's per-item estimate (MemoryStore.ENTRY_OVERHEAD_BYTES), so both modes
  -- report the same approximate bytes.
  local size = #k + 120
  if json then
    size = size + #json
  end
  -- Each call from a script costs Redis about 0.6 microseconds besides the command's own work:
  -- an overwrite of the same size (a counter, a flag, a record of fixed shape) leaves the
  -- bookkeeping alone.
  local old = tonumber(redis.call('HGET', base .. ':s', k) or '0')
  if old ~= size then
    redis.call('HSET', base .. ':s', k, size)
    redis.call('HINCRBY', META, 'bytes', size - old)
  end
  if lru then
    touch(k)
  end
  return {0, evicted}
end

-- leases

local function pool_keys(pool)
  return base .. ':lp:' .. pool, base .. ':lf:' .. pool, base .. ':lx:' .. pool, base .. ':lq:' .. pool
end

local function parse_lease(rec)
  local a = string.find(rec, ':', 1, true)
  local b = string.find(rec, ':', a + 1, true)
  return tonumber(string.sub(rec, 1, a - 1)), tonumber(string.sub(rec, a + 1, b - 1)), string.sub(rec, b + 1)
end

-- A pool with neither holders nor waiters is dropped, so its slots restart at 0.
local function drop_if_unused(pool)
  local lp, lf, lx, lq = pool_keys(pool)
  local holders = tonumber(redis.call('HGET', lp, 'holders') or '0')
  if holders <= 0 and redis.call('ZCARD', lq) == 0 then
    redis.call('DEL', lp, lf, lx, lq)
  end
end

-- Ends worker's lease and frees its slot, or drops the pool as drop_if_unused does. rec is the
-- worker's record in :lw when the caller has read it already (nil: read here). Returns the pool.
local function unlink(worker, rec)
  rec = rec or redis.call('HGET', base .. ':lw', worker)
  if not rec then
    return nil
  end
  local slot, _, pool = parse_lease(rec)
  local lp, lf, lx, lq = pool_keys(pool)
  redis.call('HDEL', base .. ':lw', worker)
  redis.call('ZREM', base .. ':le', worker)
  redis.call('ZREM', lx, worker)
  if redis.call('HINCRBY', lp, 'holders', -1) <= 0 and redis.call('ZCARD', lq) == 0 then
    redis.call('DEL', lp, lf, lx, lq)
  else
    redis.call('ZADD', lf, slot, slot)
  end
  return pool
end

local function purge_leases(now, budget)
  local due = redis.call('ZRANGEBYSCORE', base .. ':le', '-inf', num(now), 'LIMIT', 0, budget)
  for _, w in ipairs(due) do
    unlink(w)
  end
  return #due
end

local function purge_pool(pool, now)
  local due = redis.call('ZRANGEBYSCORE', base .. ':lx:' .. pool, '-inf', num(now))
  for _, w in ipairs(due) do
    unlink(w)
  end
  return #due
end

local function drop_ticket(ticket)
  redis.call('ZREM', base .. ':qd', ticket)
  local info = redis.call('HGET', base .. ':qt', ticket)
  if not info then
    return nil
  end
  redis.call('HDEL', base .. ':qt', ticket)
  local colon = string.find(info, ':', 1, true)
  local n = tonumber(string.sub(info, 1, colon - 1))
  local worker = string.sub(info, colon + 1, colon + n)
  local pool = string.sub(info, colon + n + 1)
  redis.call('ZREM', base .. ':lq:' .. pool, ticket)
  if redis.call('HGET', base .. ':qw', worker) == ticket then
    redis.call('HDEL', base .. ':qw', worker)
  end
  drop_if_unused(pool)
  return pool
end

local function purge_waits(now, budget)
  local due = redis.call('ZRANGEBYSCORE', base .. ':qd', '-inf', num(now), 'LIMIT', 0, budget)
  for _, t in ipairs(due) do
    drop_ticket(t)
  end
  return #due
end

-- Fencing tokens grow with every grant. floor is the highest token the calling broker has seen:
-- should Redis lose its data (a restart without persistence), tokens still continue above it.
local function next_token(floor)
  local token = redis.call('HINCRBY', META, 'token', 1)
  if token <= floor then
    token = floor + 1
    redis.call('HSET', META, 'token', num(token))
  end
  return token
end

