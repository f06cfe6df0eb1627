from musegen.evaluation.lyrics import (
    NgramIndex,
    distinct_n,
    line_syllables,
    parse_plain,
    plain_rhyme,
    plain_syllables,
    rhyme_pairs,
    score_stanza,
)

TEXT = ("[Verse]\nIn the night\nall alone\nburning bright\nmade of stone\n\n"
        "[Chorus]\nSing to me\nover the sea\n")


def test_plain_counts():
    assert plain_syllables("fire") == 1 and plain_syllables("zzyzx") == 1 and plain_syllables("qwrt") == 0
    assert line_syllables("The silver moon, rising!") == 6


def test_parse_plain_and_scores():
    stanzas = parse_plain(TEXT)
    assert [h for h, _ in stanzas] == ["verse", "chorus"] and len(stanzas[0][1]) == 4
    sc = score_stanza(stanzas[0][1], [3, 3, 3, 3], "ABAB")
    assert sc == {"lines": 4, "exact": 4, "required": 2, "required_rhymed": 2, "forbidden": 4,
                  "forbidden_rhymed": 0}
    bad = score_stanza(stanzas[0][1], [3, 3, 3, 3], "AABB")
    assert bad["required_rhymed"] == 0 and bad["forbidden_rhymed"] == 2


def test_rhyme_rules():
    assert plain_rhyme("night", "bright") and not plain_rhyme("night", "night")
    assert rhyme_pairs("AXA") == ([(0, 2)], [(0, 1), (1, 2)])


def test_distinct_and_copy_index():
    assert distinct_n(["a b a b"], 1) == 0.5 and distinct_n(["a b a b"], 2) == 2 / 3
    idx = NgramIndex(["The silver moon is rising high", "over the sea"])
    assert idx.longest_copy("I saw the silver moon is falling\nby the sea") == (4, "the silver moon is")
