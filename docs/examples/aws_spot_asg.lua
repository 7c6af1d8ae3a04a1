-- The seed's spot Auto Scaling group, for real on AWS: CPU percent
-- scale-out (average CPU >= 80 % over 2 x 2 minutes: +50 %; <= 20 %: -1),
-- on spot capacity, moved to on-demand when the spot price reaches the
-- on-demand price or interruption warnings pile up, and back once spot has
-- been cheap for 20 minutes. The simulated version of the same farm is
-- spot_failover.lua; this one replaces the seed's CloudWatch alarms,
-- step-scaling policies and the price-watching script.
--
-- What it needs (plugins/aws/docs/ has each kind's page and IAM policy):
--   * credentials (environment, a profile, or the machine's role) allowed
--     cloudwatch:GetMetricData, ec2:DescribeSpotPriceHistory,
--     pricing:GetProducts, sqs:ReceiveMessage + sqs:DeleteMessage on the
--     interruption queue, autoscaling:DescribeAutoScalingGroups,
--     SetDesiredCapacity and UpdateAutoScalingGroup on the group;
--   * "gpu-spot": an Auto Scaling group with a MixedInstancesPolicy (a
--     launch template, the instance types below as overrides), MinSize 2,
--     MaxSize 20, and its detailed monitoring on (1-minute CPU);
--   * "spot-warnings": an SQS queue that an EventBridge rule fills with EC2
--     Spot Instance Interruption Warnings (aws.interruptions' page has the
--     rule and the queue policy).
-- Try it: scaled --check -c aws_spot_asg.lua; then --dry-run, then for real.
local policy = require "policy"

plugin "aws"

local region = "us-east-1"

-- The group's average CPU, as the seed's alarm watched it.
source "cpu" {
  kind = "aws.cloudwatch", region = region, every = "1m",
  namespace = "AWS/EC2", metric = "CPUUtilization", statistic = "Average",
  dimensions = "AutoScalingGroupName=gpu-spot", period = "60s",
}

-- Spot prices of the group's pools (one series per type and zone, and
-- "spot", the cheapest), and the on-demand price of the dearest type.
source "spot" {
  kind = "aws.spot_price", region = region, every = "5m",
  instance_types = "g5.xlarge,g4dn.xlarge", availability_zones = "us-east-1a,us-east-1b",
}
source "od" { kind = "aws.on_demand_price", region = region, instance_types = "g5.xlarge" }

-- Two-minute warnings, delivered to the group's policies as events.
source "warnings" {
  kind = "aws.interruptions", region = region, every = "5s", group = "workers",
  queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/spot-warnings",
}

target "asg" { kind = "aws.asg", region = region, name = "gpu-spot", poll = "30s" }

group "workers" {
  target = "asg", min = 2, max = 20, every = "30s",
  on_demand_base = 0, on_demand_percent = 0,   -- all spot to begin with
  mix_dwell = "15m",
  cooldown = { up = "2m", down = "5m" },
  policy = {
    policy.percent { series = "cpu", period = "120s", periods = 2,
                     out_at = 80, out_percent = 50, in_at = 20, in_change = -1 },
    policy.spot_failover { spot = "spot", on_demand = "od.g5_xlarge",
                           leave_after = "5m", return_after = "20m", margin = 0.1,
                           interruptions = 3, interruption_window = "10m" },
  },
}
