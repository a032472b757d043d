"""Answering a live Slack request: ephemeral replies through response_url, channel posts, modals, updates."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sealing import ActionSeal
from bot.slack import render
from bot.slack.ack_answer import AckAnswer
from bot.slack.payloads import ReplyTo
from bot.slack.post import post_message
from handlers.core.jsoncodec import loads
from handlers.core.text import one_line
from handlers.core.types import Form, MessageRef, Place, Platform, Reply, Visibility

log = logging.getLogger("steadybot.slack")
#: Seconds an answer to a response_url may take without the shared session (tests, Socket Mode before it
#: starts); through it, the session's own 20 s total applies (bot/runtime.py): slack_sdk's webhook client
#: takes no per-request timeout with a session of the caller's.
RESPOND_TIMEOUT = 15
WEB_LOG = logging.getLogger("steadybot.slack.web")
#: chat.postMessage's answers where the bot cannot post in the conversation (a private channel it was not
#: invited to); the request's response_url still reaches the person there.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found"})
NOT_IN_CHANNEL = ("_Only you can see this: I'm not in this conversation, so I can't post here. "
                  "Invite me with `/invite @steadybot`._")
FORM_REFUSED = "The form didn't open in time. Press the button to open it."


@dataclass(frozen=True, slots=True)
class Respond:
    """Posts to a request's response_url through the process's shared HTTP session, whose connections stay
    open between answers (Bolt's `respond` opens and closes a session for every call:
    docs/benchmarks.md, "Time to the reply (Slack)")."""

    url: str
    session: aiohttp.ClientSession | None = None

    async def __call__(self, *, text: str = "", **fields: Any) -> None:
        # The Web API client's logger, whose level (INFO at least) keeps request bodies out of the log and
        # spares formatting them (bot/slack/adapter.py, `_web_logger`).
        client = AsyncWebhookClient(self.url, timeout=RESPOND_TIMEOUT, session=self.session, logger=WEB_LOG)
        answer = await client.send_dict({"text": text, **{k: v for k, v in fields.items() if v is not None}})
        if refused := _refusal(answer.status_code, answer.body):
            # The person saw nothing: say so (not the URL, which is a credential for 30 minutes, nor the text)
            log.warning("a response_url refused an answer (%s): the person did not see it", refused)


def _refusal(status: int, body: str) -> str:
    """Why a response_url did not take an answer ("404 expired_url"), or "" when it took it: Slack answers a
    taken one 200 `ok`; a refusal comes as a non-2xx status with the error's word, or `{"ok": false, "error"}`."""
    word = one_line(body or "", 80)
    if 200 <= status < 300:
        if not word.startswith("{"):
            return ""
        try:
            data = loads(body)
        except ValueError:
            return ""
        if not isinstance(data, dict) or data.get("ok") is not False:
            return ""
        word = one_line(str(data.get("error") or "not ok"), 80)
    return f"{status} {word}".rstrip()


@dataclass(slots=True)
class SlackReplier:
    client: AsyncWebClient
    user_id: str
    where: Place
    respond: Respond | None = None
    trigger_id: str = ""
    origin: MessageRef | None = None
    origin_is_ephemeral: bool = False
    opened_modal: bool = field(default=False)
    seal: ActionSeal | None = None  # seals button values and modal metadata (bot/sealing.py)
    ack_answer: AckAnswer | None = None  # a slash command's ack, open for its first answer (bot/slack/ack_answer.py)

    @classmethod
    def to(cls, to: ReplyTo, client: AsyncWebClient, respond: Respond | None,
           seal: ActionSeal | None) -> SlackReplier:
        """The replier for one request: `respond` (its response_url) is used only where `to` says so."""
        return cls(client, to.user_id, to.where, respond=respond if to.respond else None, trigger_id=to.trigger_id,
                   origin=to.origin, origin_is_ephemeral=to.origin_is_ephemeral, seal=seal)

    def metadata(self, form: Form) -> dict[str, Any]:
        data: dict[str, Any] = {"f": form.id, "c": form.context, "ch": self.where.channel_id, "tm": self.where.team_id}
        if self.where.thread_id:
            data["th"] = self.where.thread_id
        if self.origin and not self.origin_is_ephemeral:
            data["msg"] = [self.origin.channel_id, self.origin.message_id]
        return data

    async def open_form(self, form: Form) -> bool:
        """`form` as a modal. When Slack refuses it (a trigger that expired while the press waited in a burst,
        or was used already), the person gets the form's launch button to open it again, never silence."""
        could = bool(self.trigger_id) and not self.opened_modal
        if await self._open_modal(form):
            return True
        if could:
            await self.send([Reply(FORM_REFUSED, form=form)])
        return False

    async def _open_modal(self, form: Form) -> bool:
        """True if the modal opened; False without a usable trigger, or when Slack refused it (then the
        trigger is spent: the caller shows the form's launch button instead)."""
        if not self.trigger_id or self.opened_modal:
            return False
        metadata: dict[str, Any] | str = self.metadata(form)
        if self.seal is not None:
            metadata = self.seal.seal_metadata(self.metadata(form), Platform.SLACK, self.user_id)
        try:
            await self.client.views_open(trigger_id=self.trigger_id, view=render.modal(form, metadata))
        except SlackApiError as exc:
            log.warning("slack modal refused: %s", exc.response.get("error") if exc.response else "?")
            self.trigger_id = ""
            return False
        self.opened_modal = True
        return True

    async def send(self, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                await self._send_one(reply)
            except SlackApiError as exc:
                log.warning("slack reply failed: %s", exc.response.get("error") if exc.response else "?")
            except (aiohttp.ClientError, TimeoutError) as exc:  # the network, not our code: no stack trace
                log.warning("slack reply failed: %s", type(exc).__name__)

    async def _send_one(self, reply: Reply) -> None:
        if reply.form is not None and await self._open_modal(reply.form):
            if reply.is_just_form:
                return
            reply = replace(reply, form=None)
        blocks = render.message_blocks(reply, self.seal.for_place(self.where, self.user_id) if self.seal else None)
        text = render.fallback(reply)
        if reply.replace_original and self.origin is not None:
            if self.origin_is_ephemeral and self.respond is not None:
                if reply.delete_original:
                    await self.respond(delete_original=True)
                    return
                await self.respond(text=text, blocks=blocks, replace_original=True)
            else:
                await self.client.chat_update(channel=self.origin.channel_id, ts=self.origin.message_id,
                                              text=text, blocks=blocks, **render.PARSE_OFF)
            return
        thread_ts = self.where.thread_id if reply.in_thread else None
        if reply.visibility == Visibility.CHANNEL:
            try:
                await self._post(text, blocks, thread_ts)
            except SlackApiError as exc:
                if self.respond is None or (exc.response.get("error") if exc.response else "") not in CANNOT_POST:
                    raise
                # Not in the conversation: its answer to the person alone, as any ephemeral one, and why.
                await self._send_one(replace(reply, text=f"{NOT_IN_CHANNEL}\n{reply.text}", visibility=Visibility.PERSON))
        elif self.respond is not None:
            if self.ack_answer is not None:
                if self.ack_answer.offer(_message(text, blocks, "ephemeral")):
                    return  # Slack shows it from the ack's body
                await self.ack_answer.after_ack()  # a later answer follows the ack, never overtakes it
            await self.respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        elif self.where.is_direct and not reply.transient:  # a journal stays out of the DM's history
            await self._post(text, blocks, None)
        elif reply.transient and self.trigger_id and not self.opened_modal and \
                self.where.channel_id[:1] not in ("C", "G", "D"):
            # No conversation to show it in ephemerally (a press on the App Home): a modal, which no chat keeps.
            await self.client.views_open(trigger_id=self.trigger_id, view={
                "type": "modal", "title": {"type": "plain_text", "text": "steadybot"},
                "close": {"type": "plain_text", "text": "Close"},
                "blocks": render.message_blocks(replace(reply, buttons=()))})
            self.opened_modal = True
        else:
            await self.client.chat_postEphemeral(channel=self.where.channel_id, user=self.user_id, text=text,
                                                 blocks=blocks, thread_ts=thread_ts, **render.PARSE_OFF)

    async def _post(self, text: str, blocks: list[dict[str, Any]] | None, thread_ts: str | None) -> None:
        """chat.postMessage straight through the client's session (bot/slack/post.py): it is on the path of every
        thread reply (docs/benchmarks.md#time-to-the-reply-slack)."""
        payload: dict[str, Any] = {"channel": self.where.channel_id, "text": text, **render.POST_OPTIONS}
        if blocks:
            payload["blocks"] = blocks
        if thread_ts:
            payload["thread_ts"] = thread_ts
        await post_message(self.client, payload)


def _message(text: str, blocks: list[dict[str, Any]] | None, response_type: str) -> dict[str, Any]:
    """A message as a slash command's ack body carries it (what `Respond` would have posted to response_url)."""
    message: dict[str, Any] = {"text": text, "response_type": response_type}
    if blocks:
        message["blocks"] = blocks
    return message
