#!/usr/bin/env python3
"""moto's server with one gap of moto 5.2.1 closed, for moto_asg.py.

    moto_asg_gap.py -H 127.0.0.1 -p PORT    (moto.server's arguments)

AWS documents that an UpdateAutoScalingGroup's MixedInstancesPolicy needs
its LaunchTemplate only when a group gets its first policy ("required when
creating ... not required when updating the group"; properties an update
does not name are not changed), and aws.asg sends only the
InstancesDistribution, so that nothing else of a user's policy can be lost.
moto 5.2.1 instead raises KeyError('LaunchTemplate') on such an update (an
HTTP 500) and replaces the whole policy with what was sent. This keeps the
group's LaunchTemplate (its specification by id, and its overrides) when an
update's policy has none, as AWS does, and changes nothing else of moto.
"""
import copy
import sys

from moto.autoscaling import models

_update = models.FakeAutoScalingGroup.update


def update(self, *args, **kw):
    new = kw.get("mixed_instances_policy")
    old = self.mixed_instances_policy
    if new is not None and "LaunchTemplate" not in new and old and "LaunchTemplate" in old:
        lt = copy.deepcopy(old["LaunchTemplate"])
        spec = lt.get("LaunchTemplateSpecification", {})
        if spec.get("LaunchTemplateId"):
            spec.pop("LaunchTemplateName", None)  # moto takes one of the two
        kw["mixed_instances_policy"] = dict(new, LaunchTemplate=lt)
    return _update(self, *args, **kw)


models.FakeAutoScalingGroup.update = update

if __name__ == "__main__":
    from moto.server import main
    main(sys.argv[1:])
