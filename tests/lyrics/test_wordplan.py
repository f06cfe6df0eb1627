import pytest

from musegen.errors import InputError
from musegen.lyrics.rhyme import rhyme_key, rhymes
from musegen.lyrics.sections import plan_for_lyrics
from musegen.lyrics.wordplan import NEAR_SHARE, end_word_pool, identical_rhyme, plan_words

FORM = ["verse", "chorus", "verse", "chorus", "bridge", "chorus"]


@pytest.fixture(scope="module")
def planned():
    plan = plan_for_lyrics("rainy night in the city, missing you", FORM, [8, 8, 8, 8], "ABAB")
    return plan, plan_words(plan, seed=3)


def test_rhyme_pairs_rhyme_and_other_letters_do_not(planned):
    _, wp = planned
    pairs = near = 0
    for sec in (s for s in wp.sections if s is not None):
        a1, b1, a2, b2 = sec.ends
        for x, y, is_near in ((a1, a2, sec.near[2]), (b1, b2, sec.near[3])):
            pairs += 1
            near += is_near
            assert is_near or rhymes(x, y, strict=True), (x, y)
            assert not identical_rhyme(x, y)
        assert rhyme_key(a1) != rhyme_key(b1)
    assert near <= NEAR_SHARE * pairs


def test_chorus_carries_the_hook_and_end_words_are_related_and_unique(planned):
    _, wp = planned
    chorus = wp.sections[1]
    assert chorus is not None and chorus.ends[0] == wp.hook
    assert [s is None for s in wp.sections] == [False, False, False, True, False, True]  # repeats: none
    ends = [w for s in wp.sections if s for w in s.ends]
    assert len(set(ends)) == len(ends)
    pool = end_word_pool()
    assert all(w in pool.index for w in ends)
    assert {"night", "rain", "city"} & set(wp.keywords)  # related to the prompt
    for s in wp.sections:
        if s:
            assert all(s.ends[i] in s.options[i] for i in (0, 1))  # first lines of letters get options


def test_same_seed_same_plan_other_seed_other_words(planned):
    plan, wp = planned
    def ends(p):
        return [w for sec in p.sections if sec for w in sec.ends]

    assert ends(plan_words(plan, seed=3)) == ends(wp)
    assert any(ends(plan_words(plan, seed=s)) != ends(wp) for s in (4, 5))


def test_one_syllable_lines_cannot_rhyme_abab_and_the_error_names_the_section():
    plan = plan_for_lyrics("rain", ["verse", "chorus"], [8, 8, 8, 8], "ABAB")
    plan.sections[1].syllables = [1, 1, 1, 1]
    with pytest.raises(InputError, match=r"section 1 \(chorus\).*1-syllable.*--syllables"):
        plan_words(plan)
    plan.sections[1].rhyme = "XXXX"
    plan_words(plan)  # free lines are fine


def test_identical_rhymes():
    assert identical_rhyme("daytime", "summertime")
    assert identical_rhyme("light", "twilight")
    assert not identical_rhyme("night", "bright")
    assert identical_rhyme("sea", "see")  # the same sound is no rhyme


def test_a_line_never_ends_on_a_homophone_of_an_earlier_end():
    from musegen.lyrics.section import forbidden_finals
    from musegen.lyrics.vocab import default_words

    words = default_words()
    assert {"see", "sea"} <= words.rhyme_words("bee")  # both are allowed line ends otherwise
    banned = forbidden_finals(words, [], ["sea"])
    assert "see" in banned and "sea" in banned and "free" not in banned


def test_a_line_never_ends_on_an_inflection_of_an_earlier_end():
    # "He was a mighty runner mile / That's how he was a mighty miles / … file / … files" (session 12):
    # the model, asked which end word comes next, likes the word it just sang
    from musegen.lyrics.section import forbidden_finals
    from musegen.lyrics.vocab import default_words

    words = default_words()
    banned = forbidden_finals(words, [], ["mile", "watch", "dance"])
    forms = {"miles", "watches", "watching", "watched", "dancing", "danced", "dances"}
    assert forms & set(words.syl) <= banned
    assert "miles" in banned and "dancing" in banned
    assert not {"smile", "while", "chance", "match"} & banned  # rhymes stay allowed


def test_end_words_are_everyday_words_and_never_names():
    from wordfreq import zipf_frequency

    from musegen.lyrics.wordplan import MIN_ZIPF, names

    assert {"beth", "earl", "steve", "june"} <= names() and "night" not in names()
    for prompt in ("a small town girl named after her grandmother", "dusk on the river in june"):
        plan = plan_for_lyrics(prompt, ["verse", "chorus"], [8, 8, 8, 8], "AABB")
        wp = plan_words(plan, seed=3)
        ends = [w for s in wp.sections if s for w in s.ends]
        assert ends and not set(ends) & names()
        assert all(zipf_frequency(w, "en") >= MIN_ZIPF for w in ends)


def test_free_end_words_are_common_and_never_names_or_spelled_letters():
    from musegen.lyrics.wordplan import common_end_words, names

    common = common_end_words()
    assert {"night", "home", "alone", "time"} <= common
    assert not {"abc", "tv"} & common and not names() & common


def test_near_rhymes_share_the_stressed_vowel_and_its_tail_length():
    from musegen.lyrics.vocab import default_words

    words = default_words()
    near = words.near_words("night")
    assert {"time", "life", "alive"} <= near
    assert not near & words.rhyme_words("night") and "night" not in near  # exact rhymes are not near
    assert "nation" not in words.near_words("day")  # another vowel follows: a different rhythm


def test_the_commonest_song_line_ends_are_in_the_pool():
    """"me" and "you" end more songs-pd lines than any other word; the pool had neither
    (data/endwords-common.txt)."""
    import numpy as np

    from musegen.lyrics.wordplan import common_end_words
    from musegen.plan.embed import embed

    pool = end_word_pool()
    assert {"me", "you", "go", "down", "again"} <= common_end_words()
    i = pool.index["me"]
    assert len(pool.words) == len(pool.emb) == len(pool.zipf) == len(pool.song)
    assert float(pool.emb[i] @ embed(["me"])[0]) > 0.999 and pool.song[i] == 0.0
    assert np.isfinite(pool.zipf[i]) and pool.zipf[i] > 6
