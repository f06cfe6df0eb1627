"""The layout of a sung line (`musegen.sing.layout`), read through `voice.line_timing`."""

import numpy as np

from sing.phrase import phrase_song


def test_a_rest_or_the_line_end_closes_a_phrase():
    from musegen.sing import layout
    from musegen.sing.score import sung_lines
    from musegen.types import PPQ

    song = phrase_song(melisma_to=None)
    song.vocal[4].duration = PPQ // 2  # an eighth's rest (0.3 s at 100 BPM) after the fifth syllable
    line = sung_lines(song)[0][0]
    ends = layout.phrase_ends(line)
    assert ends[4] and ends[-1] and sum(ends) == 2, ends


def test_words_stay_apart_in_legato(monkeypatch):
    """The phrase's notes are back to back; each word still ends GAP_MIN before the next word starts."""
    from musegen.sing import layout, voice
    from musegen.sing.model import load_voice
    from musegen.sing.score import sung_lines

    line = sung_lines(phrase_song())[0][0]

    def gaps(lt: voice.LineTiming) -> list[int]:
        return [int(lt.dur[k]) for k, t in enumerate(lt.tokens) if t.role == "gap"]

    sung = gaps(voice.line_timing(load_voice(), line))
    assert len(sung) == 5 and min(sung) >= round(layout.GAP_MIN / voice.UNIT) >= 1, sung
    monkeypatch.setattr(layout, "GAP_MIN", 0.0)  # without it, legato runs the words together
    assert min(gaps(voice.line_timing(load_voice(), line))) == 0


def test_short_notes_are_held_on_their_vowels():
    """On 200 ms notes the consonants and word gaps are scaled to the note (ONSET_SHARE, GAP_SHARE,
    CODA_SHARE): the vowels fill most of each note's middle 60 %, where its pitch is measured (the
    previous layout left them 52 % of it on this phrase)."""
    from musegen.sing import voice
    from musegen.sing.model import load_voice
    from musegen.sing.score import sung_lines
    from musegen.types import PPQ

    song = phrase_song(melisma_to=None)
    for i, n in enumerate(song.vocal):  # sixteenth-note triplets at 100 BPM: 0.2 s each
        n.onset, n.duration = 4 * PPQ + i * (PPQ // 3), PPQ // 3
    line = sung_lines(song)[0][0]
    lt = voice.line_timing(load_voice(), line)
    edges = np.concatenate([[0], np.cumsum(lt.dur)]) * voice.UNIT + lt.start
    shares = []
    for i, syl in enumerate(line.syllables[:-1]):
        n = syl.notes[0]
        a, b = n.start + 0.2 * (n.end - n.start), n.end - 0.2 * (n.end - n.start)
        held = sum(max(0.0, min(b, edges[k + 1]) - max(a, edges[k])) for k, t in enumerate(lt.tokens)
                   if t.syl == i and t.role == "nucleus")
        shares.append(held / (b - a))
    assert np.mean(shares) >= 0.65, shares
    gaps = [int(lt.dur[k]) for k, t in enumerate(lt.tokens) if t.role == "gap"]
    assert len(gaps) == 5 and min(gaps) >= 1, gaps  # the words stay apart


def test_a_short_last_note_keeps_its_end_consonants():
    """A word on a short note before a rest is released into the rest: its vowel lasts RELEASE_VOWEL and
    its end consonants follow inside the sung span, instead of being squeezed out of the note."""
    from musegen.sing import layout, voice
    from musegen.sing.model import load_voice
    from musegen.sing.score import sung_lines
    from musegen.types import PPQ

    song = phrase_song(melisma_to=None)
    song.vocal[-1].duration = PPQ // 8  # "maps" on a 75 ms note at 100 BPM, then silence
    line = sung_lines(song)[0][0]
    lt = voice.line_timing(load_voice(), line)
    last = len(line.syllables) - 1
    coda = [k for k, t in enumerate(lt.tokens) if t.syl == last and t.role == "coda"]
    vowel = [k for k, t in enumerate(lt.tokens) if t.syl == last and t.role == "nucleus"]
    assert [lt.tokens[k].sym for k in coda] == ["p", "s"]
    assert min(lt.dur[coda]) >= 1 and lt.dur[coda].sum() >= 3, lt.dur[coda]
    assert lt.dur[vowel].sum() * voice.UNIT >= layout.RELEASE_VOWEL - voice.UNIT / 2
    edges = np.concatenate([[0], np.cumsum(lt.dur)]) * voice.UNIT
    assert lt.spans[-1][1] >= edges[coda[-1] + 1] - voice.UNIT / 2  # the gate lets the consonants through
    note_end = line.syllables[-1].notes[-1].end - lt.start
    assert edges[coda[-1] + 1] > note_end + 0.05  # sung after the written note, in the rest
