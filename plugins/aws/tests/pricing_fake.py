#!/usr/bin/env python3
"""aws.on_demand_price against a fake of the AWS Price List Query API that
checks every request against botocore's own model of it (moto has no
Pricing API; ../shared/TESTING.md).

The fake (pricing_fake_server.py) is an HTTP server on a free loopback
port, started and stopped here (also on failure). For each request it
checks what botocore's `pricing` model (2017-10-15) says GetProducts is:
POST /, Content-Type application/x-amz-json-1.1, X-Amz-Target
AWSPriceListService.GetProducts, a JSON body whose members, types, enums,
ranges and required members ParamValidator accepts; and a SigV4 signature
for service `pricing` in the expected region, recomputed with botocore. It
answers from fixtures/pricing/ in the real answer's shape (PriceList
entries as JSON strings), the first page of each query empty with a
NextToken, so that paging is followed. A request the model rejects is a
failure of this test. The fake's checks are tested first on bad requests.

api: the real daemon on a farm with instance_types m5.large, c5.large in
us-east-1: the decision log shows the prices (0.096, 0.085) and the
cheapest as the source's own series; exactly 4 requests reached the fake
(2 types x 2 pages) while the source collected every second: the refresh
(12h) holds. Then eu-west-1 through the ap-south-1 endpoint: 0.107, signed
for ap-south-1.

table: the `prices` table with no endpoint and no credentials: its prices
published, no request anywhere; bad tables refused by `scaled --check` with
the reason.

bad: a wrong secret: one clear GetProducts error line, no price, no decision
on prices, no secret in the log.

usage: pricing_fake.py SCALED_BINARY
Exits 77 (skipped) when botocore is not installed.
"""
import json
import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import moto_fx  # noqa: E402  (run_while, wrong_secret; no moto needed)

SKIP = 77
KEY_ID, SECRET = "AKIDPRICINGTEST0001", "pricing/test/secret/0123456789abcdefghijkl"

FARM = """plugin "aws"; plugin "sim"
source "od" { kind = "aws.on_demand_price", %(keys)s, every = "1s" }
target "t" { kind = "sim" }
group "g" { target = "t", min = 0, max = 100000, every = "1s",
  policy = function(g, s)
    local parts, least = {}, s.od:last()
    if least == nil then return nil end
    for _, ty in ipairs({ %(types)s }) do
      local v = s["od." .. ty]:last()
      if v == nil then return nil end
      parts[#parts + 1] = string.format("%%s %%.3f", ty, v)
    end
    return g:set(math.floor(least * 1000 + 0.5),
      string.format("cheapest %%.3f: %%s", least, table.concat(parts, ", ")))
  end }
"""


def farm(keys, types):
    return FARM % {"keys": keys, "types": ", ".join('"%s"' % t for t in types)}


def reasons(records):
    return [p["reason"] for r in records for p in r.get("proposals", [])]


def self_test(fake, failures):
    """The fake's own checks refuse what the model refuses."""
    import pricing_fake_server as pfs
    good = {"ServiceCode": "AmazonEC2", "Filters": [
        {"Type": "TERM_MATCH", "Field": "instanceType", "Value": "m5.large"}],
        "FormatVersion": "aws_v1", "MaxResults": 100}
    bad = [
        (dict(good, MaxResults=1000), "MaxResults"),
        ({k: v for k, v in good.items() if k != "ServiceCode"}, "ServiceCode"),
        (dict(good, Filters=[{"Type": "EXACT", "Field": "a", "Value": "b"}]), "EXACT"),
        (dict(good, Filters=[{"Type": "TERM_MATCH", "Field": "a"}]), "Value"),
        (dict(good, MaxResults="100"), "MaxResults"),
        (dict(good, Extra=1), "Extra"),
    ]
    for body, word in bad:
        problems = pfs.check_body(json.dumps(body).encode())
        if not any(word in p for p in problems):
            failures.append("fake: accepted %s (want a complaint about %s)" % (body, word))
    if pfs.check_body(json.dumps(good).encode()):
        failures.append("fake: refused a good body: %s" % pfs.check_body(json.dumps(good).encode()))
    # and over the wire: an unsigned request, a wrong target
    for headers, want in (({"Content-Type": "application/x-amz-json-1.1",
                            "X-Amz-Target": "AWSPriceListService.GetProducts"}, 403),
                          ({"Content-Type": "application/x-amz-json-1.1",
                            "X-Amz-Target": "AWSPriceListService.DescribeServices"}, 400)):
        req = urllib.request.Request(fake.url + "/", data=json.dumps(good).encode(),
                                     headers=headers, method="POST")
        try:
            urllib.request.urlopen(req, timeout=10)
            status = 200
        except urllib.error.HTTPError as e:
            status = e.code
        if status != want:
            failures.append("fake: answered %d to %s, want %d" % (status, headers, want))
    if len(fake.problems) != 2:
        failures.append("fake: recorded %s for the two bad requests" % fake.problems)
    fake.problems.clear()  # those were meant
    fake.reset()


def test_api(scaled, tmp, fake, failures):
    keys = 'instance_types = "m5.large, c5.large", region = "us-east-1", endpoint = "%s"' % fake.url
    want = "cheapest 0.085: m5_large 0.096, c5_large 0.085"

    def done(text, records):
        # the prices, then 5 s more of collects (every 1 s) that must not
        # ask again
        return want in reasons(records) and fake.requests >= 4 and fake.quiet_for(5.0)

    ok, alive, rc, text, records = moto_fx.run_while(
        scaled, tmp, "api", farm(keys, ["m5_large", "c5_large"]), KEY_ID, SECRET, done,
        timeout=60)
    sys.stdout.write("--- scaled, us-east-1:\n" + text)
    if not ok or not alive or rc != 0:
        failures.append("api: no prices within 60 s, or scaled died (exit %s)" % rc)
    if want not in reasons(records):
        failures.append("api: no decision saw '%s': %s" % (want, reasons(records)))
    if fake.requests != 4:
        failures.append("api: %d requests reached the fake, want 4 (2 types x 2 pages, one "
                        "refresh)" % fake.requests)
    if fake.tokens_followed != 2:
        failures.append("api: %d NextTokens followed, want 2" % fake.tokens_followed)
    if fake.scopes != {"us-east-1"}:
        failures.append("api: signed for %s, want us-east-1" % fake.scopes)
    if SECRET in text:
        failures.append("api: the secret key is in scaled's log")
    fake.reset()

    keys = ('instance_types = "m5.large", region = "eu-west-1", pricing_region = "ap-south-1", '
            'endpoint = "%s"' % fake.url)
    want = "cheapest 0.107: m5_large 0.107"
    ok, alive, rc, text, records = moto_fx.run_while(
        scaled, tmp, "api_eu", farm(keys, ["m5_large"]), KEY_ID, SECRET,
        lambda text, records: want in reasons(records), timeout=60)
    sys.stdout.write("--- scaled, eu-west-1 through ap-south-1:\n" + text)
    if not ok or rc != 0:
        failures.append("api_eu: no decision saw '%s' (exit %s)" % (want, rc))
    if fake.scopes != {"ap-south-1"}:
        failures.append("api_eu: signed for %s, want ap-south-1" % fake.scopes)
    fake.reset()


def test_table(scaled, tmp, fake, failures):
    keys = 'prices = "m5.large=0.096, c5.large = 0.085, m6i.large=0.096"'
    want = "cheapest 0.085: m5_large 0.096, c5_large 0.085, m6i_large 0.096"
    ok, alive, rc, text, records = moto_fx.run_while(
        scaled, tmp, "table", farm(keys, ["m5_large", "c5_large", "m6i_large"]), "", "",
        lambda text, records: want in reasons(records), timeout=60,
        env_extra={"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""})
    sys.stdout.write("--- scaled, a table:\n" + text)
    if not ok or rc != 0:
        failures.append("table: no decision saw '%s' (exit %s)" % (want, rc))
    if fake.requests:
        failures.append("table: %d requests reached the fake" % fake.requests)
    for keys, why in (('prices = "m5.large"', "has no '='"),
                      ('prices = "m5.large=-1"', "must be a plain decimal number"),
                      ('prices = "m5.large=0.1,m5.large=0.2"', "is given twice"),
                      ('prices = "m5.large=0.1", instance_types = "c5.large"', "one of the two"),
                      ('refresh = "1h"', "one of the two")):
        path = os.path.join(tmp, "bad.lua")
        with open(path, "w") as f:
            f.write('plugin "aws"\nsource "od" { kind = "aws.on_demand_price", %s }\n' % keys)
        p = subprocess.run([scaled, "--check", "-c", path], capture_output=True, text=True,
                           timeout=60)
        if p.returncode != 2 or why not in p.stderr or "bad.lua:2:" not in p.stderr:
            failures.append("table: --check of %s gave %d %r, want 2 and '%s'"
                            % (keys, p.returncode, p.stderr.strip(), why))


def test_wrong_secret(scaled, tmp, fake, failures):
    wrong = moto_fx.wrong_secret(SECRET)
    keys = 'instance_types = "m5.large", region = "us-east-1", endpoint = "%s"' % fake.url
    ok, alive, rc, text, records = moto_fx.run_while(
        scaled, tmp, "bad", farm(keys, ["m5_large"]), KEY_ID, wrong,
        lambda text, records: "GetProducts:" in text, timeout=60, settle=3.0)
    sys.stdout.write("--- scaled, wrong secret:\n" + text)
    if not alive or rc != 0:
        failures.append("bad: scaled died or exited %s" % rc)
    errs = [l for l in text.splitlines() if "GetProducts:" in l]
    if len(errs) != 1 or "InvalidSignatureException" not in errs[0]:
        failures.append("bad: want one GetProducts: InvalidSignatureException line, got %s" % errs)
    if any(r.get("group") == "g" for r in records):
        failures.append("bad: a decision without a price")
    if wrong in text or SECRET in text:
        failures.append("bad: a secret key is in scaled's log")


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    scaled = os.path.abspath(sys.argv[1])
    try:
        import botocore.session  # noqa: F401
    except ImportError as e:
        print("skipped: botocore is not installed (%s)" % e)
        return SKIP
    import pricing_fake_server as pfs

    failures = []
    with tempfile.TemporaryDirectory(prefix="scaled-pricing-") as tmp:
        fake = pfs.start(os.path.join(HERE, "fixtures", "pricing"), KEY_ID, SECRET)
        try:
            self_test(fake, failures)
            test_api(scaled, tmp, fake, failures)
            test_table(scaled, tmp, fake, failures)
            test_wrong_secret(scaled, tmp, fake, failures)
            if fake.problems:
                failures.extend("the model refused a request: %s" % p for p in fake.problems)
        finally:
            fake.stop()
    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
