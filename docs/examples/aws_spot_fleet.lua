-- A Spot Fleet in weighted units, scaled on an SQS queue's depth, with a
-- dependable on-demand floor: the seed's render farm on AWS.
--
-- The fleet counts capacity in units (vCPUs here): each instance type of
-- the fleet's launch specifications provides its WeightedCapacity, and EC2
-- fills TargetCapacity with the cheapest units. scaled reads the queue
-- (aws.sqs), proposes units (one per 2 jobs waiting or running), rounds
-- them up to what whole instances of the weighted types provide
-- (fleet_units), and sets the fleet's TargetCapacity and its on-demand part
-- (OnDemandTargetCapacity) with ModifySpotFleetRequest (aws.spot_fleet).
--
-- Before you run it:
--   * request the fleet with Type "maintain" (AWS modifies no other kind),
--     with the same types and weights as below, and put its id in
--     request_id;
--   * give scaled credentials that may call sqs:GetQueueAttributes,
--     ec2:DescribeSpotFleetRequests and ec2:ModifySpotFleetRequest
--     (plugins/aws/docs/aws.spot_fleet.md has the policy document to paste);
--   * try it without acting first: scaled --once -c aws_spot_fleet.lua
--
-- Check it: scaled --check -c docs/examples/aws_spot_fleet.lua
local policy = require "policy"

plugin "aws"

-- The jobs: visible messages as the series "jobs", those received and not
-- yet deleted (being rendered) as "jobs.in_flight".
source "jobs" {
  kind = "aws.sqs", region = "us-east-1", every = "30s",
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/render-jobs",
}

-- The fleet, read every 30 s: desired = TargetCapacity, current = the
-- whole units fulfilled, split into on-demand and spot units.
target "fleet" {
  kind = "aws.spot_fleet", region = "us-east-1", poll = "30s",
  request_id = "sfr-12345678-90ab-cdef-1234-567890abcdef",
}

-- Units from the queue, filled with the weighted types as the fleet fills
-- them (lowest price per unit first), so that the group asks for what the
-- fleet will really run (10 units wanted is 12 with 4-unit instances).
local render = policy.fleet_units {
  types = {
    { type = "c5.large",   weight = 2, price = 0.085 },
    { type = "c5.xlarge",  weight = 4, price = 0.17 },
    { type = "c5.2xlarge", weight = 8, price = 0.34 },
  },
  strategy = "lowest-price",
  units = policy.queue { backlog = "jobs", in_flight = "jobs.in_flight",
                         jobs_per_worker = 2,   -- here a "worker" is one unit
                         idle = "10m" },        -- empty for 10 minutes: to 0
}

group "render" {
  target = "fleet", min = 0, max = 256, every = "30s",
  -- The market mix, in units: the first 8 on-demand (a floor that spot
  -- interruptions cannot take away), 0 % of the rest, so all above it is
  -- spot. Sent as OnDemandTargetCapacity = min(units, 8).
  on_demand_base = 8, on_demand_percent = 0,
  stabilization = { down = "10m" },   -- no shrinking on a short lull
  cooldown = { down = "5m" },
  policy = render,
}
