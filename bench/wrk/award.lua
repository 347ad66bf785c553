-- POST /api/v1/awards with a bearer token; every request awards the same achievement to a
-- different learner. Set TOKEN and ACHIEVEMENT in the environment.
local counter = 0
local token = os.getenv("TOKEN")
local achievement = os.getenv("ACHIEVEMENT")

request = function()
  counter = counter + 1
  local body = string.format(
    '{"achievement_id":"%s","recipient":{"email":"learner%d-%d@example.org"}}',
    achievement, counter, math.random(1, 1000000000))
  return wrk.format("POST", "/api/v1/awards", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end
