import pytest

from musegen.sing.phonemes import UnsingableError, fit, from_arpabet, from_misaki, word_phones


def flat(syls):
    return [("".join(s.onset), "".join(s.nucleus), "".join(s.coda)) for s in syls]


def test_cmu_phones_map_to_misaki_with_maximal_onsets():
    assert flat(word_phones("Hello,", 2)) == [("h", "ə", ""), ("l", "ˈO", "")]
    assert flat(word_phones("night", 1)) == [("n", "ˈI", "t")]
    assert flat(word_phones("extra", 2)) == [("", "ˈɛ", "k"), ("stɹ", "ə", "")]  # "str" is a legal onset
    assert flat(word_phones("strangest", 2)) == [("stɹ", "ˈA", "n"), ("ʤ", "ɪ", "st")]
    # stressed ER/AH differ from unstressed ones
    assert flat(from_arpabet(["B", "ER1", "D"])) == [("b", "ˈɜɹ", "d")]
    assert flat(from_arpabet(["AH0", "B", "AH1", "V"])) == [("", "ə", ""), ("b", "ˈʌ", "v")]


def test_unknown_words_use_the_voice_g2p_and_fit_the_sung_count():
    assert len(word_phones("Zorblax", 2)) == 2  # not in CMU: hibari's G2P
    assert flat(from_misaki("wˈɪspəɹ")) == [("w", "ˈɪ", ""), ("sp", "ə", "ɹ")]
    two = from_arpabet(["HH", "AH0", "L", "OW1"])
    one = fit(two, 1)
    assert flat(one) == [("h", "ə", "lO")]  # the extra vowel is folded into the coda
    three = fit(two, 3)
    assert flat(three)[2] == ("", "O", "")  # a missing syllable repeats the last vowel


def test_digits_are_sung_spelled_out():
    assert flat(word_phones("99", 3)) == [("n", "ˈI", "n"), ("t", "i", ""), ("n", "ˈI", "n")]


@pytest.mark.parametrize("word", ["東京", "карта", "ñandú-東"])
def test_non_latin_words_are_refused(word):
    with pytest.raises(UnsingableError, match="Latin script"):
        word_phones(word, 1)


def test_accents_are_sung_as_their_letters():
    assert flat(word_phones("café", 2))[1][0] == "f"


def test_function_words_are_sung_with_their_strong_vowel():
    """A held schwa is not understood: "a" is sung "ay", "and" with its full vowel, "the" not as "thee"."""
    from musegen.sing.phonemes import sung_pronunciation

    assert sung_pronunciation("a") == ["EY1"]
    assert sung_pronunciation("and") == ["AE1", "N", "D"]
    assert sung_pronunciation("the") == ["DH", "AH1"]
    assert sung_pronunciation("qwzx") is None
