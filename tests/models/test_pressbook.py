"""The press book: which clips it holds, how they are grouped and ordered, and what the PDF and
the DOCX say (read back with pypdf and python-docx), on both databases."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from models import (
    Campaign,
    Coverage,
    CoverageCampaign,
    CoverageStatus,
    KeyMessage,
    Medium,
    Outlet,
    Scope,
    Snapshot,
    Story,
    Tone,
)
from models.campaign import campaign_by_slug
from models.pressbook import BookOptions, PressBookError, build_press_book
from models.reports import campaign_report
from models.snapshots import compress
from webapp.pressbook_render import DOCX_TYPE, PDF_TYPE, Look, Texts, book_title, render

SLUG = "dix-ans"
PERIOD = (date(2025, 3, 1), date(2025, 4, 30))
LOOK = Look(
    organisation_name="Mission Bassin Minier",
    brand_colour="#1f4e79",
    accent_colour="#c55a11",
    base_url="https://retombees.example.org",
)
WEB_URL = "https://actu.fr/hauts-de-france/lens/bassin-minier-dix-ans-unesco_5512.html"
WEB_TEXT = "Ce paragraphe du site web ne doit jamais figurer dans la revue."
PRESS_TEXT = "Le texte integral de l'article de presse est reproduit sous licence."
TV_START = "Transcription du reportage televise sur les terrils jumeaux."
TV_END = "La conclusion du reportage ne figure qu'avec le texte integral."
TV_TEXT = " ".join([TV_START] * 10 + [TV_END])  # longer than an excerpt


def paris(day: int, month: int, hour: int = 9) -> datetime:
    return datetime(2025, month, day, hour - 1, tzinfo=UTC)  # Paris is UTC+1 in March


def seed_press_book(factory) -> dict[str, int]:
    """A campaign with a sub-campaign: a print clip with quotes and key messages, a TV clip, a
    radio clip, a web clip with its archived copy, a story in three outlets (one entry, two
    copies), and clips the book must leave out (rejected, outside the period, elsewhere)."""
    with factory.begin() as session:
        outlets = {
            name: Outlet(name=name, medium=medium, scope=scope)
            for name, medium, scope in (
                ("La Voix du Nord", Medium.PRESS, Scope.REGIONAL),
                ("France 3 Hauts-de-France", Medium.TV, Scope.REGIONAL),
                ("France Bleu Nord", Medium.RADIO, Scope.LOCAL),
                ("actu.fr", Medium.WEB, Scope.NATIONAL),
                ("Nord Éclair", Medium.PRESS, Scope.LOCAL),
                ("L'Avenir de l'Artois", Medium.PRESS, Scope.LOCAL),
                ("lavoixdunord.fr", Medium.WEB, Scope.REGIONAL),
            )
        }
        umbrella = Campaign(slug=SLUG, name="Dix ans au patrimoine mondial")
        umbrella.key_messages = [
            KeyMessage(label="Patrimoine vivant"),
            KeyMessage(label="Fierté des habitants"),
        ]
        trip = Campaign(slug="voyage", name="Voyage de presse", parent=umbrella)
        other = Campaign(slug="autre", name="Autre sujet")
        story = Story(title="Les terrils jumeaux de Loos-en-Gohelle classés")

        def clip(name, campaign=umbrella, **values) -> Coverage:
            values.setdefault("status", CoverageStatus.CONFIRMED)
            values.setdefault("tone", Tone.POSITIVE)
            return Coverage(
                outlet=outlets[name] if name else None,
                campaign_links=[CoverageCampaign(campaign=campaign)],
                **values,
            )

        clips = {
            "press": clip(
                "La Voix du Nord",
                manual_key="press",
                title="Le Bassin minier fête ses dix ans au patrimoine mondial",
                author="Marie Dupont",
                published_at=paris(12, 3),
                programme="12",
                medium=Medium.PRESS,
                summary="Dix ans après l'inscription, les habitants <b>célèbrent</b> leur site.",
                text=PRESS_TEXT,
                quotes=[
                    {
                        "text": "Nous sommes fiers de ce classement",
                        "speaker": "Jean Martin",
                        "role": "maire de Loos-en-Gohelle",
                    }
                ],
                key_messages=[
                    {"label": "Patrimoine vivant", "sentence": "un patrimoine vivant"},
                    {"label": "Fierté des habitants", "sentence": "fiers"},
                ],
                reach=120_000,
                ave_eur=3_500.0,
            ),
            "tv": clip(
                "France 3 Hauts-de-France",
                manual_key="tv",
                title="Les terrils à l'honneur",
                author="Paul Durand",
                published_at=paris(20, 3, 19),
                programme="19/20 Nord-Pas-de-Calais",
                duration_s=150,
                medium=Medium.TV,
                text=TV_TEXT,
                tone=Tone.NEUTRAL,
                reach=450_000,
                ave_eur=12_000.0,
            ),
            "radio": clip(
                "France Bleu Nord",
                campaign=trip,
                manual_key="radio",
                title="Le «Louvre-Lens» & <les> terrils en balade",
                author="Claire Petit",
                published_at=datetime(2025, 4, 2, 6, tzinfo=UTC),
                programme="La matinale",
                duration_s=95,
                medium=Medium.RADIO,
                summary="Une balade radiophonique sur les terrils.",
                reach=30_000,
                ave_eur=800.0,
            ),
            "web": clip(
                "actu.fr",
                url=WEB_URL,
                title="Le Bassin minier, dix ans d'Unesco",
                author="Sophie Leroy",
                published_at=datetime(2025, 4, 10, 12, tzinfo=UTC),
                medium=Medium.WEB,
                summary="Retour sur dix ans d'inscription au patrimoine mondial.",
                text=WEB_TEXT,
                reach=8_000,
                ave_eur=120.0,
            ),
            "story_main": clip(
                "Nord Éclair",
                manual_key="story-1",
                title="Les terrils jumeaux de Loos-en-Gohelle classés",
                author="Agence",
                published_at=paris(15, 3, 8),
                programme="4",
                medium=Medium.PRESS,
                summary="La dépêche reprise par plusieurs titres.",
                story=story,
                reach=40_000,
                ave_eur=900.0,
            ),
            "story_copy_print": clip(
                "L'Avenir de l'Artois",
                manual_key="story-2",
                title="Les terrils jumeaux classés",
                published_at=paris(16, 3, 8),
                programme="7",
                medium=Medium.PRESS,
                story=story,
                reach=10_000,
                ave_eur=400.0,
            ),
            "story_copy_web": clip(
                "lavoixdunord.fr",
                url="https://lavoixdunord.fr/terrils-jumeaux",
                title="Les terrils jumeaux de Loos classés",
                published_at=paris(16, 3, 11),
                medium=Medium.WEB,
                story=story,
                reach=5_000,
                ave_eur=60.0,
            ),
            "rejected": clip(
                "La Voix du Nord",
                manual_key="rejected",
                title="Un article écarté hors sujet",
                published_at=paris(18, 3),
                medium=Medium.PRESS,
                status=CoverageStatus.REJECTED,
            ),
            "outside": clip(
                "La Voix du Nord",
                manual_key="outside",
                title="Un article publié en juin",
                published_at=datetime(2025, 6, 2, 8, tzinfo=UTC),
                medium=Medium.PRESS,
            ),
            "elsewhere": clip(
                "La Voix du Nord",
                campaign=other,
                manual_key="elsewhere",
                title="Un article d'une autre campagne",
                published_at=paris(13, 3),
                medium=Medium.PRESS,
            ),
        }
        session.add_all([umbrella, trip, other, *clips.values()])
        session.flush()
        html = b"<html><body><p>copie</p></body></html>"
        session.add(
            Snapshot(
                coverage=clips["web"],
                fetched_at=clips["web"].published_at,
                final_url=WEB_URL,
                status=200,
                size=len(html),
                html_gz=compress(html),
            )
        )
        return {name: c.id for name, c in clips.items()}


def book_of(session, **options):
    campaign = campaign_by_slug(session, SLUG)
    values = {"campaign_id": campaign.id, "date_from": PERIOD[0], "date_to": PERIOD[1]}
    return build_press_book(session, BookOptions(**{**values, **options}))


def flat(text: str) -> str:
    """Text compared without case or the kind of its spaces (PDF lines, narrow spaces)."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split()).casefold()


def pdf_text(data: bytes) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [node.text or "" for node in document.element.body.iter(qn("w:t"))]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs + section.footer.paragraphs]
    return flat(" ".join(parts))


def no_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


# -- What the book holds --------------------------------------------------------------------


def test_the_book_holds_the_clips_the_report_counts(any_sessions):
    ids = seed_press_book(any_sessions)
    with any_sessions() as session:
        book = book_of(session)
        report = campaign_report(session, book.campaign.id, *PERIOD)
        clips = {e.clip.id for e in book.entries} | {c.id for e in book.entries for c in e.copies}
    assert book.report == report  # the summary's figures are the report's
    assert book.clips == report["total"] == 7
    assert clips == {ids[n] for n in ids if n not in ("rejected", "outside", "elsewhere")}
    # the story is one entry: its earliest copy, the two others listed under it
    story = next(e for e in book.entries if e.copies)
    assert story.clip.id == ids["story_main"]
    assert [c.id for c in story.copies] == [ids["story_copy_print"], ids["story_copy_web"]]
    assert len(book.entries) == 5
    web = next(e for e in book.entries if e.clip.id == ids["web"])
    assert web.link_only and web.has_snapshot
    assert book.period == PERIOD


def test_statuses_and_a_period_choose_the_clips(sessions):
    ids = seed_press_book(sessions)
    with sessions() as session:
        everything = book_of(session, status="all")
        rejected = book_of(session, status="rejected")
        march = book_of(session, date_to=date(2025, 3, 31))
        no_period = build_press_book(
            session, BookOptions(campaign_id=campaign_by_slug(session, SLUG).id)
        )
    assert ids["rejected"] in {e.clip.id for e in everything.entries}
    assert [e.clip.id for e in rejected.entries] == [ids["rejected"]]
    assert ids["web"] not in {e.clip.id for e in march.entries}
    assert ids["outside"] in {e.clip.id for e in no_period.entries}
    # without dates, the period shown is that of the clips
    assert no_period.period == (date(2025, 3, 12), date(2025, 6, 2))


def test_order_makes_the_sections(sessions):
    ids = seed_press_book(sessions)
    with sessions() as session:
        by_date = book_of(session, order="date")
        by_medium = book_of(session, order="medium")
        by_outlet = book_of(session, order="outlet")
    assert [s.key for s in by_date.sections] == ["2025-03", "2025-04"]
    march = [e.clip.id for e in by_date.sections[0].entries]
    assert march == [ids["press"], ids["story_main"], ids["tv"]]  # by date within a month
    assert [e.number for e in by_date.entries] == [1, 2, 3, 4, 5]
    assert [s.key for s in by_medium.sections] == ["press", "tv", "radio", "web"]
    assert [s.key for s in by_outlet.sections] == [
        "actu.fr",
        "France 3 Hauts-de-France",
        "France Bleu Nord",
        "La Voix du Nord",
        "Nord Éclair",
    ]


def test_a_bad_choice_is_refused():
    with pytest.raises(PressBookError):
        BookOptions(order="size")
    with pytest.raises(PressBookError):
        BookOptions(date_from=date(2025, 4, 1), date_to=date(2025, 3, 1))


# -- The PDF and the DOCX -------------------------------------------------------------------


def expected_texts(book, texts: Texts, ids) -> dict[str, list[str]]:
    """What the reader must find: cover, tally as the report's figures, each clip's mentions."""
    report = book.report
    cover = [LOOK.organisation_name, book_title(book, texts), texts.period(*PERIOD)]
    tally = [texts.number(report["total"]), texts.number(report["reach"])]
    tally += [texts.euros(report["ave_eur"]), texts.signed(report["tone_index"])]
    tally += [texts.percent(report["message_penetration"]["any"])]
    for medium, values in report["value_by_medium"].items():
        if values["total"]:
            tally += [
                f"{texts.tally_label(medium)} {texts.number(values['total'])} "
                f"{texts.number(values['reach'])} {texts.euros(values['ave_eur'])}"
            ]
    clips = []
    for entry in book.entries:
        clip = entry.clip
        clips += [clip.outlet.name, clip.title, texts.day(entry.day)]
        clips += [clip.author] if clip.author else []
        clips += [clip.programme] if clip.programme else []
    return {"cover": cover, "tally": tally, "clips": clips}


def check_book(text: str, book, texts: Texts, ids, full: bool) -> None:
    expected = expected_texts(book, texts, ids)
    for part, values in expected.items():
        for value in values:
            assert flat(value) in text, f"{part}: {value!r} missing"
    # the story: its copies are "also in" lines
    assert flat(texts.gettext("Also in:")) in text
    for outlet, day in (("L'Avenir de l'Artois", 16), ("lavoixdunord.fr", 16)):
        assert flat(f"{outlet}, {texts.medium('press' if 'Avenir' in outlet else 'web')}") in text
        assert flat(texts.day(date(2025, 3, day))) in text
    # quotes and key messages
    assert flat("Nous sommes fiers de ce classement") in text
    assert flat("Jean Martin, maire de Loos-en-Gohelle") in text
    assert flat("Patrimoine vivant · Fierté des habitants") in text
    # a title is text, never markup; a summary's tags are dropped
    assert flat("Le «Louvre-Lens» & <les> terrils en balade") in text
    assert flat("les habitants célèbrent leur site") in text
    # the web clip: its link and summary, never its text; its archived copy
    assert no_spaces(WEB_URL.casefold()) in no_spaces(text)
    assert flat("Retour sur dix ans d'inscription") in text
    assert flat(WEB_TEXT) not in text
    assert no_spaces(f"{LOOK.base_url}/coverage/{ids['web']}/snapshot") in no_spaces(text)
    # the text of print and broadcast clips only when the rights are held
    assert (flat(PRESS_TEXT) in text) is full
    assert (flat(TV_END) in text) is full
    # a clip without summary is shown by an excerpt of its text (by the text itself if given)
    assert (flat(texts.gettext("Excerpt:")) in text) is not full
    assert flat(TV_START) in text
    # what the book leaves out
    for title in ("Un article écarté hors sujet", "Un article publié en juin"):
        assert flat(title) not in text


def test_the_pdf_has_cover_figures_and_every_clip(any_sessions):
    ids = seed_press_book(any_sessions)
    texts = Texts("fr")
    with any_sessions() as session:
        book = book_of(session)
        rendered = render(book, "pdf", LOOK, "fr")
    assert rendered.mimetype == PDF_TYPE and rendered.data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(rendered.data))
    assert rendered.pages == len(reader.pages) >= 4
    assert reader.metadata.title == texts.gettext("Press review")
    text = pdf_text(rendered.data)
    check_book(text, book, texts, ids, full=False)
    # a table of contents with each section's page, and bookmarks
    assert flat(texts.gettext("Contents")) in text
    assert flat("mars 2025") in text and flat("avril 2025") in text
    assert len(reader.outline) >= 3


def test_the_pdf_reproduces_texts_only_when_asked(sessions):
    ids = seed_press_book(sessions)
    texts = Texts("en")
    with sessions() as session:
        book = book_of(session, full_text=True, order="medium", title="Revue de presse 2025")
        rendered = render(book, "pdf", LOOK, "en")
    text = pdf_text(rendered.data)
    assert flat("Revue de presse 2025") in text
    assert flat("12 March 2025") in text  # English dates in English
    for label in ("Press articles", "TV reports", "Radio reports", "Web coverage"):
        assert flat(label) in text
    check_book(text, book, texts, ids, full=True)


def test_the_docx_says_the_same(any_sessions):
    ids = seed_press_book(any_sessions)
    texts = Texts("fr")
    with any_sessions() as session:
        book = book_of(session)
        rendered = render(book, "docx", LOOK, "fr")
        full = render(book_of(session, full_text=True), "docx", LOOK, "fr")
    assert rendered.mimetype == DOCX_TYPE
    document = Document(io.BytesIO(rendered.data))
    assert document.core_properties.title == texts.gettext("Press review")
    assert document.core_properties.author == LOOK.organisation_name
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [texts.gettext("Overview"), "mars 2025", "avril 2025"]
    check_book(docx_text(rendered.data), book, texts, ids, full=False)
    check_book(docx_text(full.data), book, texts, ids, full=True)
    assert WEB_URL in {r.target_ref for r in document.part.rels.values() if r.is_external}


def test_the_logo_and_colours_of_the_organisation(sessions, tmp_path):
    from PIL import Image

    seed_press_book(sessions)
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), "#c55a11").save(logo)
    look = Look(**{**LOOK.__dict__, "organisation_logo": str(logo), "brand_colour": "#006400"})
    with sessions() as session:
        book = book_of(session)
        pdf = render(book, "pdf", look, "fr")
        docx = render(book, "docx", look, "fr")
        missing = render(book, "pdf", Look(**{**look.__dict__, "organisation_logo": "/nope.png"}))
    images = PdfReader(io.BytesIO(pdf.data)).pages[0].images  # the cover's
    assert len(images) == 1 and images[0].image.size == (120, 40)
    document = Document(io.BytesIO(docx.data))
    assert len(document.inline_shapes) == 1
    assert str(document.styles["Heading 1"].font.color.rgb) == "006400"
    # a logo that cannot be read is left out; the book is still made
    assert missing.pages
    assert not PdfReader(io.BytesIO(missing.data)).pages[0].images


def test_an_empty_selection_still_makes_a_book(sessions):
    seed_press_book(sessions)
    texts = Texts("fr")
    with sessions() as session:
        book = book_of(session, date_from=date(2024, 1, 1), date_to=date(2024, 1, 31))
        text = pdf_text(render(book, "pdf", LOOK, "fr").data)
    assert book.entries == []
    assert flat(texts.gettext("No coverage matches these choices.")) in text


def test_control_characters_of_a_page_do_not_break_the_files(sessions):
    ids = seed_press_book(sessions)
    with sessions.begin() as session:
        clip = session.get(Coverage, ids["radio"])
        clip.title, clip.author = "Une balade\x0bsur les\x01 terrils", "Claire\x0cPetit"
        clip.quotes = [{"text": "Un verbatim\x00 bruité", "speaker": "Jean\x1f Martin"}]
    with sessions() as session:
        book = book_of(session)
        texts = [
            pdf_text(render(book, "pdf", LOOK).data),
            docx_text(render(book, "docx", LOOK).data),
        ]
    for text in texts:
        assert flat("Une balade sur les terrils") in text and flat("Claire Petit") in text
