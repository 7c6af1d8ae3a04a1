-- policy/backup_group.lua - an on-demand group that covers what a spot group
-- fails to deliver (docs/policies/backup_group.md is the reference).

local U = require "policy.util"

local format = string.format
local seconds, num, check_keys, constructor = U.seconds, U.num, U.check_keys, U.constructor
local duration_text = U.duration_text

local RELEASES = { before_shrink = true, when_whole = true }

-- Used on the backup group. P is the primary's view, need = P.shortfall
-- (= max(0, P.wanted - P.current)), have = this group's desired.
--   P.current unknown (< 0)          hold
--   need > have, short_for >= grace   set(need)          cover
--   need > have, short_for <  grace   hold               wait, never drop cover
--     ... a spot_interruption event   set(need)          within interruption_window
--         came                                           of it: the grace waived
--   need <= have                      set(need)          before_shrink: give back at once
--                                     hold, 0 when need is 0   when_whole
-- With before_shrink the backup's desired is max(0, P.wanted - P.current)
-- whenever that is not more than it has, so it shrinks before the primary
-- does: P.current + backup never stays above P.wanted.
return constructor("backup_group", function(args)
	check_keys(args, { primary = true, grace = true, release = true,
		interruption_window = true })
	local primary = args.primary
	if type(primary) ~= "string" or primary == "" then
		error(format("primary must be a group name, got %s", type(primary)), 0)
	end
	-- grace = 0: cover at once
	local grace = args.grace == 0 and 0 or seconds(args.grace or 120, "grace")
	local gtext = duration_text(args.grace or 120)
	-- after a spot_interruption event (aws.interruptions), for this long a
	-- shortfall is covered at once: the primary is losing capacity, not
	-- blinking. 0: events ignored.
	local warn_window = args.interruption_window == 0 and 0
		or seconds(args.interruption_window or "5m", "interruption_window")
	local release = args.release == nil and "before_shrink" or args.release
	if not RELEASES[release] then
		error(format("release %s is not supported (use \"before_shrink\" or \"when_whole\")",
			type(release) == "string" and "\"" .. release .. "\"" or type(release)), 0)
	end

	local state_of = U.per_group() -- the last warning each group saw
	local c = {} -- the last texts and their numbers (on the policy, not per group)

	return {
		name = "backup_group",
		series = {},
		primary = primary,
		evaluate = function(self, g, s)
			local st = state_of[g]
			if not st then -- a group found once not to be the primary stays so
				if g.name == primary then
					error(format("policy.backup_group: primary '%s' is this group", primary), 0)
				end
				st = {}
				state_of[g] = st
			end
			local p = g:group(primary)
			local have = g.desired
			local warned = nil -- seconds since the last warning
			if warn_window > 0 then
				local events = g.events
				for i = 1, events and #events or 0 do
					if events[i].name == "spot_interruption" then
						st.warned_at = events[i].time
					end
				end
				if st.warned_at then
					local now = g.now
					if now - st.warned_at < warn_window then
						warned = now - st.warned_at
					end
				end
			end
			-- each field of the primary read once; the texts that do not
			-- move with time kept while their numbers do not
			local current = p.current
			if current < 0 then
				if c.unknown_have ~= have then
					c.unknown_have = have
					c.unknown = format("%s reports no current capacity: keep %d", primary, have)
				end
				return g:hold(c.unknown)
			end
			local need, wanted = p.shortfall, p.wanted
			if need == 0 then
				if c.whole_wanted ~= wanted or c.whole_current ~= current then
					c.whole_wanted, c.whole_current = wanted, current
					c.whole = format("%s not short (wanted %d, current %d): 0", primary, wanted,
						current)
				end
				return g:set(0, c.whole)
			end
			if c.seen_need ~= need or c.seen_wanted ~= wanted or c.seen_current ~= current then
				c.seen_need, c.seen_wanted, c.seen_current = need, wanted, current
				c.seen = format("%s short %d (wanted %d, current %d)", primary, need, wanted,
					current)
				c.keep, c.give = nil, nil
			end
			local seen = c.seen
			if need > have then
				local why = p.last_action == "failed" and p.last_error
					and format(" [%s]", p.last_error) or ""
				local short_for = p.short_for
				if warned and short_for < grace then
					return g:set(need, format("%s for %ss (grace waived: spot interruption "
						.. "warning %ss ago)%s: %d", seen, num(short_for), num(warned), why,
						need))
				end
				if short_for >= grace then
					return g:set(need, format("%s for %ss (grace %s)%s: %d", seen,
						num(short_for), gtext, why, need))
				end
				return g:hold(format("%s for %ss (grace %s)%s: keep %d", seen, num(short_for),
					gtext, why, have))
			end
			if release == "when_whole" then
				if c.keep == nil or c.keep_have ~= have then
					c.keep_have = have
					c.keep = format("%s: keep %d until %s is whole", seen, have, primary)
				end
				return g:hold(c.keep)
			end
			if c.give == nil then
				c.give = format("%s: %d", seen, need)
			end
			return g:set(need, c.give)
		end,
	}
end)
