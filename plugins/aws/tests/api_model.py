"""Requests checked against AWS's published API model, as botocore ships it
(its data/<service>/<version>/service-2.json), for the fake servers of the
tests where moto is not the point (fault_server.py): the operation exists,
the protocol's envelope is right (Action and Version of the Query API;
X-Amz-Target and Content-Type of JSON), every parameter is a member of the
operation's input shape and every required member is there; for JSON,
also every member's type, enum and bounds (botocore's ParamValidator, and
check_bounds for what it leaves out).

check_query(service, form) and check_json(service, headers, body) return
the operation's name, or raise ModelError naming what is wrong;
json_problems(service, op, params) lists what is wrong with a JSON
operation's parameters (the pricing fake uses it too).
"""
import json

import botocore.loaders
import botocore.session
from botocore.validate import ParamValidator


class ModelError(Exception):
    pass


_models = {}


def model(service):
    if service not in _models:
        _models[service] = botocore.loaders.Loader().load_service_model(service, "service-2")
    return _models[service]


def _input_shape(m, op):
    if op not in m["operations"]:
        raise ModelError("%s has no operation %r" % (m["metadata"]["serviceId"], op))
    ref = m["operations"][op].get("input")
    return m["shapes"][ref["shape"]] if ref else {"members": {}, "required": []}


def _wire_names(m, shape):
    """{name on the wire: member name}. EC2's protocol sends a member as its
    queryName, else its locationName capitalised (InstanceTypes ->
    InstanceType.N); the Query API as its name (lists as Name.member.N)."""
    ec2 = m["metadata"]["protocol"] == "ec2"
    names = {}
    for name, ref in shape.get("members", {}).items():
        wire = name
        if ec2:
            wire = ref.get("queryName") or (ref.get("locationName", "")[:1].upper()
                                            + ref.get("locationName", "")[1:]) or name
        names[wire] = name
    return names


def check_query(service, form):
    """form: {name: value} of a Query API POST body."""
    m = model(service)
    op = form.get("Action")
    if not op:
        raise ModelError("no Action in the form")
    shape = _input_shape(m, op)
    if form.get("Version") != m["metadata"]["apiVersion"]:
        raise ModelError("%s: Version %r, the model's is %r"
                         % (op, form.get("Version"), m["metadata"]["apiVersion"]))
    members = _wire_names(m, shape)
    given = set()
    for name in form:
        if name in ("Action", "Version"):
            continue
        top = name.split(".")[0]
        if top not in members:
            raise ModelError("%s: %r is not a member of %s's input" % (op, top, op))
        given.add(members[top])
    missing = [r for r in shape.get("required", []) if r not in given]
    if missing:
        raise ModelError("%s: required %s missing" % (op, ", ".join(missing)))
    return op


def check_bounds(value, shape, where, problems):
    """What ParamValidator leaves out (it checks types, required and unknown
    members, and lower bounds): enums, and every min/max of the model."""
    meta = shape.metadata
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, v in value.items():
            if name in shape.members:
                check_bounds(v, shape.members[name], "%s.%s" % (where, name), problems)
    elif shape.type_name == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append("%s: %d entries, the model allows %d" % (where, len(value),
                                                                   meta["max"]))
        for i, v in enumerate(value):
            check_bounds(v, shape.member, "%s[%d]" % (where, i), problems)
    elif shape.type_name == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            problems.append("%s: %r is not one of %s" % (where, value, shape.enum))
        if "max" in meta and len(value) > meta["max"]:
            problems.append("%s: longer than %d" % (where, meta["max"]))
    elif shape.type_name in ("integer", "long") and isinstance(value, int):
        if "max" in meta and value > meta["max"]:
            problems.append("%s: %d is over the model's %d" % (where, value, meta["max"]))


_op_models = {}


def json_problems(service, op, params):
    """What the model says is wrong with a JSON operation's parameters (a
    dict): a list of problems, empty when there are none."""
    if service not in _op_models:
        _op_models[service] = botocore.session.get_session().get_service_model(service)
    shape = _op_models[service].operation_model(op).input_shape
    if shape is None:
        return []
    report = ParamValidator().validate(params, shape)
    problems = [report.generate_report()] if report.has_errors() else []
    check_bounds(params, shape, op, problems)
    return problems


def check_json(service, headers, body):
    """headers: a case-insensitive mapping; body: the raw bytes."""
    m = model(service)
    meta = m["metadata"]
    target = headers.get("X-Amz-Target", "")
    prefix = meta["targetPrefix"] + "."
    if not target.startswith(prefix):
        raise ModelError("X-Amz-Target %r does not start with %r" % (target, prefix))
    op = target[len(prefix):]
    shape = _input_shape(m, op)
    want_type = "application/x-amz-json-%s" % meta.get("jsonVersion", "1.0")
    if headers.get("Content-Type", "") != want_type:
        raise ModelError("%s: Content-Type %r, the model's is %r"
                         % (op, headers.get("Content-Type"), want_type))
    try:
        doc = json.loads(body or b"{}")
    except ValueError as e:
        raise ModelError("%s: body is not JSON (%s)" % (op, e))
    if not isinstance(doc, dict):
        raise ModelError("%s: body is not a JSON object" % op)
    members = shape.get("members", {})
    for name in doc:
        if name not in members:
            raise ModelError("%s: %r is not a member of %s's input" % (op, name, op))
    missing = [r for r in shape.get("required", []) if r not in doc]
    if missing:
        raise ModelError("%s: required %s missing" % (op, ", ".join(missing)))
    problems = json_problems(service, op, doc)
    if problems:
        raise ModelError("%s: %s" % (op, "; ".join(problems)))
    return op
