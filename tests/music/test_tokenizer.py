import pytest

from musegen.music import vocab as V
from musegen.music.tokenizer import Grammar, decode, encode, grammar_errors, key_shift
from musegen.theory import Key

from .helpers import small_sheet


def test_vocab_layout_is_contiguous_and_named():
    assert V.TOKENS[V.PAD] == "PAD" and V.TOKENS[V.BOS] == "BOS"
    assert len(set(V.TOKENS)) == V.VOCAB_SIZE
    assert V.TOKENS[V.chord_token(9, "m7")] == "Chord_9:m7"
    assert V.chord_of(V.chord_token(9, "m7")) == (9, "m7")
    assert V.duration_of(V.duration_token(7)) == 7
    assert V.duration_of(V.duration_token(40)) == 32


@pytest.mark.parametrize("key,meter", [("E minor", (4, 4)), ("Bb major", (3, 4)), ("F# minor", (6, 8))])
def test_round_trip_tokens_notes_tokens(key, meter):
    sheet = small_sheet(key, meter)
    toks = encode(sheet)
    assert grammar_errors(toks) == (0, len(toks))
    back = decode(toks, sheet.key, sheet.tempo)
    assert encode(back) == toks
    # notes and chords come back in the real key
    for a, b in zip(sheet.sections, back.sections, strict=True):
        assert [(n.onset, n.duration, n.pitch) for n in a.notes] == [
            (n.onset, n.duration, n.pitch) for n in b.notes
        ]
        assert a.phrases == b.phrases and a.bars == b.bars and a.type == b.type
        assert [(c.onset, c.duration, c.symbol.replace("A#", "Bb")) for c in a.chords] == [
            (c.onset, c.duration, c.symbol.replace("A#", "Bb")) for c in b.chords
        ]


def test_normalised_key():
    assert key_shift(Key.parse("C major")) == 0
    assert key_shift(Key.parse("A minor")) == 0
    assert key_shift(Key.parse("E minor")) == 5
    assert key_shift(Key.parse("Bb major")) == 2


def test_grammar_rejects_bad_streams():
    toks = encode(small_sheet())
    bad = list(toks)
    i = bad.index(V.BAR)
    bad.insert(i + 1, V.PITCH[10])  # a pitch right after Bar
    assert grammar_errors(bad)[0] >= 1
    g = Grammar()
    for t in toks[:4]:
        assert g.step(t)
    assert not g.is_allowed(V.BAR)  # a section must open first


def test_decode_refuses_wrong_mode():
    toks = encode(small_sheet("E minor"))
    with pytest.raises(ValueError):
        decode(toks, Key.parse("E major"))


def test_syl_tokens_announce_each_note():
    sheet = small_sheet()
    labels = [V.syl_token(1, True), V.syl_token(0, False), V.SYL_M, V.syl_token(0, True),
              V.syl_token(1, True), V.SYL_X, V.syl_token(1, False)]
    sheet.meta["syl"] = [[], labels]
    toks = encode(sheet)
    assert grammar_errors(toks) == (0, len(toks))
    assert [t for t in toks if t in V.SYL] == labels
    # each Syl comes right after the Section token (first note) or the previous note's Duration
    for i, t in enumerate(toks):
        if t in V.SYL:
            assert toks[i - 1] in V.DURATION or toks[i - 1] in V.SECTION
    # a note without its Syl, or a Syl whose note never comes, is a grammar error
    i = toks.index(labels[3])
    assert grammar_errors(toks[:i] + toks[i + 1 :])[0] >= 1
    assert grammar_errors([*toks[:-1], V.SYL_X, toks[-1]])[0] >= 1
    assert encode(decode(toks, sheet.key, sheet.tempo)) == encode(small_sheet())  # decode drops the labels
    assert V.syl_token(None) == V.SYL_X and V.syl_token(2, True) == V.syl_token(0, True)
