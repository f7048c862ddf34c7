"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps the messages it accepts, for tests of
the mail Retombées sends. It can refuse messages or be stopped and started again."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Collector:
    """The server's handler: keeps each accepted message, or answers ``refuse`` to DATA."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes = []
        self.refuse: str | None = None  # e.g. "451 4.3.0 Try again later"
        self.refuse_recipients: dict[str, str] = {}  # address: reply to RCPT TO

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.envelopes.append(envelope)
        self.messages.append(
            email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


class SmtpServer:
    """``with SmtpServer() as server``: listening on ``server.port`` until the block ends."""

    def __init__(self, user: str | None = None, password: str | None = None):
        self.port = free_port()
        self.collector = Collector()
        self.user, self.password = user, password
        self.logins: list[str] = []
        self._controller: Controller | None = None

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user = auth_data.login.decode()
            if user == self.user and auth_data.password.decode() == self.password:
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> None:
        options = {}
        if self.user:
            options = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = Controller(
            self.collector, hostname="127.0.0.1", port=self.port, **options
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.collector.messages

    def settings_overrides(self) -> dict:
        """The settings that send mail to this server."""
        values = {"smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_security": "none"}
        if self.user:
            values.update(smtp_user=self.user, smtp_password=self.password)
        return values

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def parts(message: EmailMessage) -> dict[str, str]:
    """The text and HTML parts of a message, by content type."""
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if part.get_content_maintype() == "text"
    }
