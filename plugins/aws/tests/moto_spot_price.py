#!/usr/bin/env python3
"""aws.spot_price against moto with signature checking on (../shared/TESTING.md).

moto starts on a free loopback port with INITIAL_NO_AUTH_ACTION_COUNT=3; the
three unsigned calls make an IAM user, its access key and an allow-all
policy. Then the real scaled daemon runs a farm whose source `spot` reads
DescribeSpotPriceHistory from moto (signed with that key) and whose policy
sets the group to 1 with the price in its reason; the decision log must hold
moto's placeholder price (0.00001) for the source's series and the pool's.
Then the same farm with a wrong secret: a clear AuthFailure /
SignatureDoesNotMatch in scaled's log, no decision, a clean exit on SIGTERM.

usage: moto_spot_price.py SCALED_BINARY
Exits 77 (skipped) when moto or boto3 is not installed.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import moto_fx  # noqa: E402


FARM = """plugin "aws"; plugin "sim"
source "spot" { kind = "aws.spot_price", endpoint = "%(url)s", region = "us-east-1",
  instance_types = "m5.large", every = "1s" }
target "t" { kind = "sim" }
group "g" { target = "t", min = 0, max = 2, every = "1s",
  policy = function(g, s)
    local v = s.spot:last()
    if v == nil then return g:hold("no price yet") end
    return g:set(1, string.format("price %%.5f pool %%s", v,
      tostring(s["spot.m5_large.us-east-1a"]:last())))
  end }
"""


def test(boto3, scaled, tmp, url, key_id, secret, failures):
    farm = FARM % {"url": url}
    text, records = moto_fx.run_checked(scaled, tmp, "good", "right key", farm, key_id,
                                        secret, (secret,),
                                        "good: the secret key is in scaled's log", failures)
    reasons = [pr["reason"] for r in records for pr in r.get("proposals", [])]
    print("decisions:", reasons)
    if not any(r.startswith("price 0.00001 pool 1e-05") for r in reasons):
        failures.append("good: no decision saw moto's price 0.00001 for spot "
                        "and spot.m5_large.us-east-1a")

    wrong = moto_fx.wrong_secret(secret)
    text, records = moto_fx.run_checked(scaled, tmp, "bad", "wrong secret", farm, key_id,
                                        wrong, (wrong, secret),
                                        "bad: a secret key is in scaled's log", failures, 4.0)
    moto_fx.check_one_error(failures, text, "DescribeSpotPriceHistory",
                            ("SignatureDoesNotMatch", "AuthFailure"),
                            "bad: no AuthFailure / SignatureDoesNotMatch in the log")
    if records:
        failures.append("bad: %d decisions recorded without a price" % len(records))


if __name__ == "__main__":
    sys.exit(moto_fx.main(__doc__, test))
