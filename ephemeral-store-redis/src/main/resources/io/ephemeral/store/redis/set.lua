-- ARGV: now, key, hasValue (0/1), value, compressed (0/1), ttl ms, maxItems (0 = no limit), lru (0/1), grace ms
-- Returns {1, 0} full, {0, evicted} stored.
local now = now_ms()
local k = ARGV[2]
local kz = base .. ':k'
local evicted = 0
local max = tonumber(ARGV[7])
-- An existing key, even one whose TTL passed, is overwritten without counting against maxItems.
if max > 0 and not redis.call('ZSCORE', kz, k) and redis.call('ZCOUNT', kz, '(' .. num(now), '+inf') >= max then
  -- Expired items make room first; then the least recently used item goes, or the write is refused.
  while purge_items(now, 1000) > 0 do
  end
  if redis.call('ZCARD', kz) >= max then
    if ARGV[8] ~= '1' then
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
local d = deadline(now, tonumber(ARGV[6]))
local json = nil
if ARGV[3] == '1' then
  json = ARGV[4]
end
-- Redis drops the key a little after its deadline; until then a get answers "expired", as the
-- memory store does until its sweeper runs.
write_item(k, ARGV[5], d, tonumber(ARGV[6]), json, now, tonumber(ARGV[9]))
redis.call('ZADD', kz, num(d), k)
-- 120: the memory store's per-item estimate (MemoryStore.ENTRY_OVERHEAD_BYTES), so both modes
-- report the same approximate bytes.
local size = #k + 120
if ARGV[3] == '1' then
  size = size + #ARGV[4]
end
local old = redis.call('HGET', base .. ':s', k)
redis.call('HSET', base .. ':s', k, size)
redis.call('HINCRBY', META, 'bytes', size - tonumber(old or '0'))
if ARGV[8] == '1' then
  touch(k)
end
return {0, evicted}
