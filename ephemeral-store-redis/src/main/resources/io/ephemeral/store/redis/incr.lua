-- incr. ARGV: now, key, delta, ttl ms, maxItems, lru (0/1), grace ms.
-- Returns {0, value} counted, {1} not a counter, {2} out of range, {3} full.
local now = now_ms()
local k = ARGV[2]
local current = 0
local item = live_item(k, now)
if item then
  local v = item[4]
  -- A counter is JSON integer text within +-(2^53 - 1), stored uncompressed.
  if item[1] ~= '0' or not v or #v > 17 or not (v == '0' or string.match(v, '^%-?[1-9]%d*$')) then
    return {1}
  end
  current = tonumber(v)
  if math.abs(current) > MAXD then
    return {1}
  end
end
local nextv = current + tonumber(ARGV[3])
if math.abs(nextv) > MAXD then
  return {2}
end
local text = num(nextv)
local r = put_item(now, k, text, '0', tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1',
  tonumber(ARGV[7]))
if r[1] == 1 then
  return {3}
end
return {0, nextv}
