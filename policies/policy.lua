-- policy.lua - the policy library shipped with scaled.
--
--   local policy = require "policy"
--   policy.queue_step{ series = "backlog", steps = { {0, 0}, {1, 1}, {100, 4} } }
--   policy.percent{ series = "cpu", out_at = 80, out_percent = 50, in_at = 20, in_change = -1 }
--   policy.target{ series = "cpu", target = 60 }
--
-- Each constructor checks its arguments when the farm is loaded (an error
-- names the farm's line) and returns a policy table:
--   { name = "queue_step", series = { "backlog" }, evaluate = function(self, g, s) ... end }
-- `series` lists every series the policy reads, so the engine can check the
-- names before the first tick. docs/policies.md is the reference.

local U = require "policy.util"

local M = {
	alarm = require "policy.alarm",
	step = require "policy.step",
	simple = require("policy.step").simple,
	percent = require "policy.percent",
	target = require "policy.target",
	threshold = require "policy.threshold",
	queue = require "policy.queue",
	queue_step = require "policy.queue_step",
	spot_failover = require "policy.spot_failover",
	fleet_units = require "policy.fleet_units",
	backup_group = require "policy.backup_group",
	idle_stop = require "policy.idle_stop",
	schedule = require "policy.schedule",
}

-- For farms and tests: the same duration rules, with errors that name the
-- caller's line (and a subject when none is given) like the constructors'.
M.seconds = function(v, what)
	local ok, res = pcall(U.seconds, v, what or "duration")
	if not ok then
		error(res, 2)
	end
	return res
end

return M
