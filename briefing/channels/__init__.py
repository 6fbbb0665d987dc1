"""How one message leaves the system on each outside channel: group robots (robots) and SMS (sms).

Each sender takes what to say and to whom, signs the request as the provider documents it, and raises
ChannelError when the provider did not accept the message (the Delivery is then retried)."""


class ChannelError(Exception):
    """The provider answered, and did not accept the message."""
