-- setIfAbsent. ARGV: now, key, hasValue (0/1), value, compressed (0/1), ttl ms, maxItems, lru (0/1),
-- grace ms. Returns {0} stored, {1} the key has a live value, {2} full.
local now = now_ms()
if live_item(ARGV[2], now) then
  return {1}
end
local json = nil
if ARGV[3] == '1' then
  json = ARGV[4]
end
local r = put_item(now, ARGV[2], json, ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7]),
  ARGV[8] == '1', tonumber(ARGV[9]))
if r[1] == 1 then
  return {2}
end
return {0}
