"""Stand-ins for the providers on 127.0.0.1: group robots (WeCom, DingTalk, Feishu) and SMS (Aliyun,
Tencent Cloud). Each checks the request as the provider would, recomputing the signature the way the
provider documents it (written out here afresh, not with the code under test), and answers as the
provider does. Paths: /wecom, /dingtalk, /feishu, /aliyun/, /tencent/. ``refuse[path] = n`` makes the
next n requests to a path get the provider's error answer."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROBOT_SECRET = "SECrobot-secret-0123456789"
SMS_KEY_ID, SMS_KEY_SECRET = "test-key-id", "test-key-secret"


def aliyun_expected_signature(query, secret):
    """Aliyun RPC signature: sorted parameters, each name and value percent-encoded (RFC 3986, space as %20,
    '*' as %2A, '~' kept), joined; "GET&%2F&" + the encoded join; HMAC-SHA1 with secret + "&"; base64."""

    def enc(value):
        return urllib.parse.quote(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")

    canonical = "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(query.items()))
    to_sign = "GET&" + enc("/") + "&" + enc(canonical)
    return base64.b64encode(hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()).decode()


def tencent_expected_authorization(headers, body, secret_id, secret_key):
    """TC3-HMAC-SHA256 as Tencent Cloud's API 3.0 documents it."""
    timestamp = int(headers["X-TC-Timestamp"])
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical_headers = f"content-type:{headers['Content-Type']}\nhost:{headers['Host']}\n"
    canonical = "\n".join(["POST", "/", "", canonical_headers, "content-type;host", hashlib.sha256(body).hexdigest()])
    scope = f"{day}/sms/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def mac(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = mac(mac(mac(("TC3" + secret_key).encode(), day), "sms"), "tc3_request")
    signature = hmac.new(signing, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


class Providers:
    def __init__(self):
        self.received = []  # (path, payload) of every request accepted or not
        self.accepted = []  # (path, payload) of the messages the provider took
        self.problems = []  # why a request was turned down for a bad format or signature
        self.refuse = {}
        self.lock = threading.Lock()
        providers = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                providers.handle(self, parts.path, query, dict(self.headers), b"")

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                providers.handle(self, parts.path, query, dict(self.headers), body)

            def answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def count(self, path, accepted=True):
        with self.lock:
            return sum(1 for p, _ in (self.accepted if accepted else self.received) if p == path)

    def payloads(self, path):
        with self.lock:
            return [payload for p, payload in self.accepted if p == path]

    def _refusing(self, path):
        with self.lock:
            left = self.refuse.get(path, 0)
            if left:
                self.refuse[path] = left - 1
            return bool(left)

    def handle(self, handler, path, query, headers, body):
        kind = path.strip("/").split("/")[0]
        checker = getattr(self, f"_{kind}", None)
        if checker is None:
            return handler.answer(404, {"error": "no such provider"})
        checker(handler, path, query, headers, body)
        return None

    def _record(self, path, payload, ok, problem=""):
        with self.lock:
            self.received.append((path, payload))
            if ok:
                self.accepted.append((path, payload))
            elif problem:
                self.problems.append(f"{path}: {problem}")

    # --- robots -----------------------------------------------------------------------------------------

    def _wecom(self, handler, path, query, headers, body):
        payload = json.loads(body)
        text = payload.get("text") or {}
        if payload.get("msgtype") != "text" or not text.get("content") or "mentioned_mobile_list" not in text:
            self._record(path, payload, False, "not a text message with mentioned_mobile_list")
            return handler.answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
        if self._refusing(path):
            self._record(path, payload, False)
            return handler.answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
        self._record(path, payload, True)
        return handler.answer(200, {"errcode": 0, "errmsg": "ok"})

    def _dingtalk(self, handler, path, query, headers, body):
        payload = json.loads(body)
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        # DingTalk: sign = urlencode(base64(HmacSHA256(key=secret, msg=timestamp + "\n" + secret))); parse_qsl
        # has undone the urlencoding.
        digest = hmac.new(ROBOT_SECRET.encode(), f"{timestamp}\n{ROBOT_SECRET}".encode(), hashlib.sha256).digest()
        if not timestamp or sign != base64.b64encode(digest).decode():
            self._record(path, payload, False, "bad sign")
            return handler.answer(200, {"errcode": 310000, "errmsg": "sign not match"})
        mobiles = (payload.get("at") or {}).get("atMobiles") or []
        content = (payload.get("text") or {}).get("content", "")
        if payload.get("msgtype") != "text" or any(f"@{m}" not in content for m in mobiles):
            self._record(path, payload, False, "mentioned mobiles not in the text")
            return handler.answer(200, {"errcode": 40035, "errmsg": "missing parameter"})
        if self._refusing(path):
            self._record(path, payload, False)
            return handler.answer(200, {"errcode": 130101, "errmsg": "send too fast"})
        self._record(path, payload, True)
        return handler.answer(200, {"errcode": 0, "errmsg": "ok"})

    def _feishu(self, handler, path, query, headers, body):
        payload = json.loads(body)
        timestamp = payload.get("timestamp", "")
        # Feishu: sign = base64(HmacSHA256(key=timestamp + "\n" + secret, msg="")).
        expected = base64.b64encode(
            hmac.new(f"{timestamp}\n{ROBOT_SECRET}".encode(), b"", hashlib.sha256).digest()
        ).decode()
        if payload.get("sign") != expected:
            self._record(path, payload, False, "bad sign")
            return handler.answer(200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})
        if payload.get("msg_type") != "text" or not (payload.get("content") or {}).get("text"):
            self._record(path, payload, False, "not a text message")
            return handler.answer(200, {"code": 9499, "msg": "Bad Request"})
        self._record(path, payload, True)
        return handler.answer(200, {"code": 0, "msg": "success", "data": {}})

    # --- SMS --------------------------------------------------------------------------------------------

    def _aliyun(self, handler, path, query, headers, body):
        query = dict(query)
        signature = query.pop("Signature", "")
        required = {"Action": "SendSms", "Version": "2017-05-25", "SignatureMethod": "HMAC-SHA1",
                    "SignatureVersion": "1.0", "Format": "JSON", "AccessKeyId": SMS_KEY_ID}  # fmt: skip
        wrong = [k for k, v in required.items() if query.get(k) != v]
        missing = [k for k in ("PhoneNumbers", "SignName", "TemplateCode", "TemplateParam", "SignatureNonce")
                   if not query.get(k)]  # fmt: skip
        try:
            stamp = datetime.strptime(query.get("Timestamp", "") + "+0000", "%Y-%m-%dT%H:%M:%SZ%z")
            json.loads(query.get("TemplateParam", ""))
        except ValueError:
            missing.append("Timestamp/TemplateParam")
        else:
            if abs((datetime.now(UTC) - stamp).total_seconds()) > 900:  # Aliyun allows 15 minutes
                missing.append("a current Timestamp (UTC)")
        if wrong or missing:
            self._record(path, query, False, f"wrong {wrong} missing {missing}")
            return handler.answer(400, {"Code": "MissingParameter", "Message": f"{wrong} {missing}"})
        if signature != aliyun_expected_signature(query, SMS_KEY_SECRET):
            self._record(path, query, False, "bad signature")
            return handler.answer(
                400, {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"}
            )
        if self._refusing(path):
            self._record(path, query, False)
            return handler.answer(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发号码天级流控",
                                        "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"})  # fmt: skip
        self._record(path, query, True)
        return handler.answer(200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0",
                                    "RequestId": "F655A8D5-B967-440B-8683-DAD6FF8DE990"})  # fmt: skip

    def _tencent(self, handler, path, query, headers, body):
        payload = json.loads(body)
        wrong = [k for k, v in {"X-TC-Action": "SendSms", "X-TC-Version": "2021-01-11"}.items() if headers.get(k) != v]
        if wrong or not headers.get("X-TC-Region") or not headers.get("X-TC-Timestamp"):
            self._record(path, payload, False, f"headers {wrong}")
            return handler.answer(200, {"Response": {"Error": {"Code": "MissingParameter", "Message": str(wrong)},
                                                     "RequestId": "r"}})  # fmt: skip
        if headers.get("Authorization") != tencent_expected_authorization(headers, body, SMS_KEY_ID, SMS_KEY_SECRET):
            self._record(path, payload, False, "bad signature")
            return handler.answer(200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                                                               "Message": "signature not match"}, "RequestId": "r"}})  # fmt: skip
        numbers = payload.get("PhoneNumberSet") or []
        if not numbers or not all(n.startswith("+86") for n in numbers) or not payload.get("TemplateId"):
            self._record(path, payload, False, "bad body")
            return handler.answer(200, {"Response": {"Error": {"Code": "InvalidParameter", "Message": "body"},
                                                     "RequestId": "r"}})  # fmt: skip
        if self._refusing(path):
            self._record(path, payload, False)
            status = {"SerialNo": "", "PhoneNumber": numbers[0], "Fee": 0, "SessionContext": "",
                      "Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "daily limit", "IsoCode": "CN"}  # fmt: skip
            return handler.answer(200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}})
        self._record(path, payload, True)
        status = {"SerialNo": "5000:1045710669157053657849499619", "PhoneNumber": numbers[0], "Fee": 1,
                  "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN"}  # fmt: skip
        return handler.answer(200, {"Response": {"SendStatusSet": [status], "RequestId": "a0aabda6-cf91"}})
