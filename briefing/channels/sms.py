"""SMS through the provider SMS_BACKEND names: "aliyun", "tencent", "log" (written to the log only), or ""
(off: no SMS is planned at all).

* Aliyun (dysmsapi, RPC style): a GET with ``Action=SendSms``, ``PhoneNumbers``, ``SignName``,
  ``TemplateCode``, ``TemplateParam`` (a JSON object) and the common parameters; ``Signature`` =
  base64(HMAC-SHA1(AccessKeySecret + "&", "GET&%2F&" + percentEncode(the sorted, percent-encoded query))).
  Answers ``{"Code": "OK", …}``.
* Tencent Cloud (SMS API 3.0, ``SendSms`` version 2021-01-11): a JSON POST signed with TC3-HMAC-SHA256
  (canonical request over content-type and host, a key derived from the date and the service "sms").
  Answers ``{"Response": {"SendStatusSet": [{"Code": "Ok", …}], …}}``.

A template is data (SMS_TEMPLATES or SMS_TEMPLATES_FILE): per event, the provider's template code (Aliyun)
or id (Tencent) and the ordered names of its parameters, filled from the message's values.
"""

import base64
import hashlib
import hmac
import json
import logging
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings

from briefing.channels import ChannelError

logger = logging.getLogger(__name__)

ALIYUN, TENCENT, LOG = "aliyun", "tencent", "log"
ALIYUN_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
TENCENT_ENDPOINT = "https://sms.tencentcloudapi.com/"


class SmsConfigurationError(ChannelError):
    pass


def backend():
    return (getattr(settings, "SMS_BACKEND", "") or "").strip().lower()


def enabled():
    return backend() in (ALIYUN, TENCENT, LOG)


@lru_cache(maxsize=8)
def _templates_file(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def templates():
    """``{event: {"template": code, "params": [names]}}`` from SMS_TEMPLATES_FILE, else SMS_TEMPLATES."""
    path = getattr(settings, "SMS_TEMPLATES_FILE", "")
    if path:
        return _templates_file(path)
    return getattr(settings, "SMS_TEMPLATES", {}) or {}


def template_for(kind):
    """The template of one event kind, or None (the kind sends no SMS)."""
    entry = templates().get(kind)
    if not entry or not entry.get("template"):
        return None
    return entry


def send(mobile, kind, values):
    """Send the SMS of event ``kind`` to one mainland mobile, its parameters taken from ``values``."""
    entry = template_for(kind)
    if entry is None:
        raise SmsConfigurationError(f"no SMS template for {kind}")
    params = [(name, str(values.get(name, ""))) for name in entry.get("params", [])]
    name = backend()
    if name == ALIYUN:
        return send_aliyun(mobile, entry["template"], params)
    if name == TENCENT:
        return send_tencent(mobile, entry["template"], params)
    if name == LOG:
        logger.info("SMS (log backend) to %s: template %s %s", mobile, entry["template"], dict(params))
        return {"logged": True}
    raise SmsConfigurationError(f"SMS_BACKEND {name!r} sends nothing")


# --- Aliyun --------------------------------------------------------------------------------------------


def percent_encode(value):
    """Aliyun's encoding: RFC 3986 unreserved characters kept, everything else %XX (space %20, * %2A)."""
    return quote(str(value), safe="-_.~")


def aliyun_signature(params, secret, method="GET"):
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_params(mobile, template, params, *, now=None, nonce=None):
    now = now or datetime.now(UTC)
    query = {
        "AccessKeyId": settings.SMS_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": mobile,
        "RegionId": settings.SMS_REGION or "cn-hangzhou",
        "SignName": settings.SMS_SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": template,
        "TemplateParam": json.dumps(dict(params), ensure_ascii=False, separators=(",", ":")),
        "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    query["Signature"] = aliyun_signature(query, settings.SMS_ACCESS_KEY_SECRET)
    return query


def send_aliyun(mobile, template, params):
    query = aliyun_params(mobile, template, params)
    url = settings.SMS_ENDPOINT or ALIYUN_ENDPOINT
    encoded = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in query.items())
    response = requests.get(f"{url}?{encoded}", timeout=getattr(settings, "SMS_TIMEOUT", 10))
    answer = _json(response, "Aliyun SMS")
    if answer.get("Code") != "OK":
        raise ChannelError(f"Aliyun SMS refused: {answer.get('Code')} {answer.get('Message', '')}")
    return answer


# --- Tencent Cloud -------------------------------------------------------------------------------------


def _sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def _hmac_sha256(key, message):
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_authorization(*, secret_id, secret_key, host, body, timestamp, content_type, service="sms"):
    """The Authorization header of a TC3-HMAC-SHA256 signed POST of ``body`` (bytes) to ``host``."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join([
        "POST", "/", "", f"content-type:{content_type}\nhost:{host}\n", "content-type;host", _sha256_hex(body),
    ])  # fmt: skip
    scope = f"{day}/{service}/tc3_request"
    string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical_request.encode())])
    key = _hmac_sha256(_hmac_sha256(_hmac_sha256(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


def tencent_request(mobile, template, params, *, timestamp=None):
    """``(url, headers, body bytes)`` of one SendSms call."""
    url = settings.SMS_ENDPOINT or TENCENT_ENDPOINT
    host = urlsplit(url).netloc
    timestamp = int(timestamp if timestamp is not None else datetime.now(UTC).timestamp())
    body = json.dumps(
        {
            "PhoneNumberSet": [f"+86{mobile}"],
            "SmsSdkAppId": settings.SMS_SDK_APP_ID,
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateId": str(template),
            "TemplateParamSet": [value for _name, value in params],
        },
        ensure_ascii=False,
    ).encode()
    content_type = "application/json; charset=utf-8"
    headers = {
        "Content-Type": content_type,
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Region": settings.SMS_REGION or "ap-guangzhou",
        "Authorization": tc3_authorization(
            secret_id=settings.SMS_ACCESS_KEY_ID,
            secret_key=settings.SMS_ACCESS_KEY_SECRET,
            host=host,
            body=body,
            timestamp=timestamp,
            content_type=content_type,
        ),  # fmt: skip
    }
    return url, headers, body


def send_tencent(mobile, template, params):
    url, headers, body = tencent_request(mobile, template, params)
    response = requests.post(url, data=body, headers=headers, timeout=getattr(settings, "SMS_TIMEOUT", 10))
    answer = _json(response, "Tencent SMS").get("Response") or {}
    if "Error" in answer:
        error = answer["Error"]
        raise ChannelError(f"Tencent SMS refused: {error.get('Code')} {error.get('Message', '')}")
    statuses = answer.get("SendStatusSet") or []
    failed = [s for s in statuses if s.get("Code") != "Ok"]
    if not statuses or failed:
        first = failed[0] if failed else {}
        raise ChannelError(f"Tencent SMS not sent: {first.get('Code')} {first.get('Message', '')}")
    return answer


def _json(response, provider):
    try:
        answer = response.json()
    except ValueError:
        raise ChannelError(f"{provider}: HTTP {response.status_code}, not JSON: {response.text[:200]}") from None
    if response.status_code >= 300 and not isinstance(answer, dict):
        raise ChannelError(f"{provider}: HTTP {response.status_code}")
    return answer if isinstance(answer, dict) else {}
