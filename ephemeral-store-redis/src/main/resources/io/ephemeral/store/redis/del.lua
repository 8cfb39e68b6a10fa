-- ARGV: now, key. Returns 1 if the key was present (even expired), else 0.
local k = ARGV[2]
local present = redis.call('ZSCORE', base .. ':k', k) or redis.call('EXISTS', vkey(k)) == 1
remove_item(k)
if present then
  return 1
end
return 0
