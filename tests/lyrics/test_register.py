from musegen.lyrics.register import archaic_words, dangling, echo_end, line_problems, orphan_break, task_words


def test_dangling_ends_on_function_words_only():
    assert dangling("I walked along the road with")
    assert dangling("And all the lights went out and")
    assert not dangling("I walked along the road alone")


def test_orphan_break_needs_a_short_tail_after_a_sentence_end():
    assert orphan_break("The night is long. I go")
    assert not orphan_break("The night is long. I go back home")
    assert not orphan_break("The night is long.")


def test_archaic_and_task_words():
    assert archaic_words("Thou art the light of yon hill") == ["thou", "art", "yon"]
    assert task_words("Write a song about the rain") == ["write", "song"]
    assert task_words("So long a song's for the soul") == ["song's"]
    assert task_words("a bridge over water", prompt="the bridge at night") == []
    assert line_problems("The rain keeps falling down") == []
    assert set(line_problems("Hark, I write a verse for")) == {"dangling", "archaic", "task"}


def test_echo_end_catches_an_end_word_bolted_onto_its_own_clause():
    # lines the shipped decoder wrote for the held-out prompts (session 8 texts)
    for line in ["I'll leave my parents crying cried", "A man who had been praying prayer",
                 "A time to be shedding tears shed", "My friends on my weekends weekend",
                 "I will be a broken piece broke", "We are of old towns. I'm a town",
                 "A man who had to pray for prayer", "They are a runners face facing", "We danced the dance"]:
        assert echo_end(line), line
    # a refrain repeats the very word; other lines end on a word of their own
    for line in ["Day after day", "Dance, dance", "I need your love, your love", "Side by side",
                 "The moon was rising, but the rain", "I've been going to the runner", "Rain"]:
        assert not echo_end(line), line
