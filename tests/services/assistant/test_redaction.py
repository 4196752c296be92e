"""What the model sees of saved action URLs: scheme, host and path, never query values, user info or fragment."""

from __future__ import annotations

from tests.fixtures.bundles import laptop
from tests.fixtures.fake_llm import FakeLLM, proposal_reply, text_reply
from tests.fixtures.tenants import World
from tfai.assistant.context import redact_action_urls, redact_url
from tfai.services.assistant import conversations
from tfai.services.definitions import bundles

SECRET_URL = "https://vendor.example.com:8443/api/orders?api_key=sk-live-zebra&region=eu"


def test_redact_url_keeps_only_scheme_host_and_path() -> None:
    assert redact_url(SECRET_URL) == "https://vendor.example.com:8443/api/orders?…"
    assert redact_url("https://svc:hunter2@vendor.example.com/a?k=v#frag") == "https://vendor.example.com/a?…"
    assert redact_url("https://vendor.example.com/api") == "https://vendor.example.com/api"
    assert redact_url("https://[2001:db8::1]/x?k=v") == "https://[2001:db8::1]/x?…"
    doc = {"workflow": {"tasks": [{"key": "order", "action_url": SECRET_URL}]}}
    assert "sk-live-zebra" not in str(redact_action_urls(doc)) and "sk-live-zebra" in str(doc)  # a copy


async def test_the_model_never_receives_action_url_query_values(world: World, fake_llm: FakeLLM) -> None:
    actor = world.a.designer.actor
    saved = laptop()
    order = next(t for t in saved["workflow"]["tasks"] if t["key"] == "order")
    order["action_url"] = SECRET_URL
    await bundles.save_bundle(actor, saved)
    conv = (await conversations.create_conversation(actor)).id
    # The model keeps the order URL as it saw it (redacted) and changes the title.
    proposed = laptop()
    proposed["workflow"]["title"] = "Laptops, renamed"
    next(t for t in proposed["workflow"]["tasks"] if t["key"] == "order")["action_url"] = redact_url(SECRET_URL)
    fake_llm.enqueue(proposal_reply(proposed, "Renamed"), text_reply("ok"))
    reply = await conversations.send_message(actor, conv, content="Rename the laptop-request workflow")
    sent = fake_llm.sent_text(0)
    assert "vendor.example.com:8443/api/orders?…" in sent  # the full definition of the named workflow is there
    assert "sk-live-zebra" not in sent and "region=eu" not in sent
    assert reply.proposal is not None
    kept = next(t for t in reply.proposal.bundle["workflow"]["tasks"] if t["key"] == "order")
    assert kept["action_url"] == SECRET_URL  # what the model copied unchanged gets the saved value back
    await conversations.send_message(actor, conv, content="thanks")
    assert "sk-live-zebra" not in fake_llm.sent_text(-1)  # nor through the earlier proposal in the history
