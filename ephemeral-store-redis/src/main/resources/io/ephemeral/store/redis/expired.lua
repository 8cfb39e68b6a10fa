-- ARGV: now, key. A read found the key's deadline passed: removes the item unless it was written
-- again meanwhile. Returns 1 if removed, else 0.
local now = now_ms()
local k = ARGV[2]
local item = read_item(k)
if item and item[2] <= now then
  remove_item(k)
  return 1
end
return 0
