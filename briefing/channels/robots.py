"""Group chat robots: WeCom (企业微信), DingTalk (钉钉) and Feishu (飞书) custom robots.

* WeCom: ``{"msgtype": "text", "text": {"content": …, "mentioned_mobile_list": [mobiles]}}``; no signing
  (the key is in the URL). Answers ``{"errcode": 0, "errmsg": "ok"}``.
* DingTalk: ``{"msgtype": "text", "text": {"content": … "@138…"}, "at": {"atMobiles": [mobiles]}}`` (the
  mobiles are written in the text too: DingTalk shows the mention there). A robot with a secret
  (加签) gets ``timestamp`` (ms) and ``sign`` = urlencode(base64(HmacSHA256(secret, "<timestamp>\\n<secret>")))
  as query parameters. Answers ``{"errcode": 0, "errmsg": "ok"}``.
* Feishu: ``{"msg_type": "text", "content": {"text": …}}``; with a secret, ``timestamp`` (s) and ``sign`` =
  base64(HmacSHA256(key="<timestamp>\\n<secret>", msg="")) in the body. Answers ``{"code": 0}``.
"""

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus, urlsplit, urlunsplit

import requests
from django.conf import settings

from briefing.channels import ChannelError
from briefing.choices import RobotKind

TEXT_LIMIT = 1800  # characters: well under every robot's limit for a text message


def safe_url(url):
    """The URL without its query (where the robots' keys are), for logs and the admin."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def dingtalk_sign(secret, timestamp):
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret, timestamp):
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def payload(kind, text, mobiles=()):
    """The JSON body of one text message, mentioning ``mobiles``."""
    mobiles = list(mobiles)
    text = text[:TEXT_LIMIT]
    if kind == RobotKind.DINGTALK:
        mentions = " ".join(f"@{m}" for m in mobiles)
        content = f"{text}\n{mentions}" if mentions else text
        return {"msgtype": "text", "text": {"content": content}, "at": {"atMobiles": mobiles, "isAtAll": False}}
    if kind == RobotKind.FEISHU:
        mentions = " ".join(f"@{m}" for m in mobiles)
        return {"msg_type": "text", "content": {"text": f"{text}\n{mentions}" if mentions else text}}
    return {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mobiles}}


def signed(kind, url, body, secret, now=None):
    """``(url, body)`` with the robot's signature added, when it has a secret."""
    if not secret:
        return url, body
    now = time.time() if now is None else now
    if kind == RobotKind.DINGTALK:
        timestamp = str(int(now * 1000))
        separator = "&" if urlsplit(url).query else "?"
        return f"{url}{separator}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}", body
    if kind == RobotKind.FEISHU:
        timestamp = str(int(now))
        return url, {"timestamp": timestamp, "sign": feishu_sign(secret, timestamp), **body}
    return url, body  # WeCom robots are not signed


def post(kind, url, text, *, mobiles=(), secret=""):
    """Post one text message; raises ChannelError (or a requests exception) when it was not accepted."""
    target, body = signed(kind, url, payload(kind, text, mobiles), secret)
    return post_json(target, body, shown_as=url)


def post_json(url, body, *, shown_as=None):
    """POST one message to a group robot (the briefing's markdown, a party's text); answers the robot's
    JSON, or raises ChannelError (or a requests exception) when it was not accepted: an HTTP error, an
    answer that is not JSON, or a code other than 0 (WeCom/DingTalk ``errcode``, Feishu ``code``)."""
    shown = shown_as or url
    response = requests.post(url, json=body, timeout=getattr(settings, "WEBHOOK_TIMEOUT", 10))
    if response.status_code >= 300:
        raise ChannelError(f"HTTP {response.status_code} from {safe_url(shown)}: {response.text[:200]}")
    try:
        answer = response.json()
    except ValueError:
        raise ChannelError(f"{safe_url(shown)} answered something that is not JSON: {response.text[:200]}") from None
    code = answer.get("code", answer.get("errcode", answer.get("StatusCode"))) if isinstance(answer, dict) else None
    if code not in (0, "0"):
        message = (answer.get("msg") or answer.get("errmsg") or "") if isinstance(answer, dict) else ""
        raise ChannelError(f"{safe_url(shown)} refused the message: code {code} {message}")
    return answer
