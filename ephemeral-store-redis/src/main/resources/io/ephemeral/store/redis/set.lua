-- ARGV: now, key, hasValue (0/1), value, compressed (0/1), ttl ms, maxItems (0 = no limit), lru (0/1), grace ms
-- Returns {1, 0} full, {0, evicted} stored.
local json = nil
if ARGV[3] == '1' then
  json = ARGV[4]
end
return put_item(now_ms(), ARGV[2], json, ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]),
  ARGV[8] == '1', tonumber(ARGV[9]))
