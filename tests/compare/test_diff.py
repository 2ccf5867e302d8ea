from playground.diff import Piece, similarity, words_diff


def test_a_word_level_diff_marks_removed_and_added_words_and_keeps_the_rest():
    pieces = words_diff(before="The tide rises twice a day.", after="The tide rises once a day.")
    assert pieces == [
        Piece("same", "The tide rises "),
        Piece("removed", "twice"),
        Piece("added", "once"),
        Piece("same", " a day."),
    ]


def test_diff_pieces_rebuild_both_texts():
    before, after = "alpha beta\ngamma delta", "alpha gamma\ndelta epsilon"
    pieces = words_diff(before=before, after=after)
    assert "".join(p.text for p in pieces if p.kind != "added") == before
    assert "".join(p.text for p in pieces if p.kind != "removed") == after


def test_similarity_is_one_for_equal_answers_and_lower_for_different_ones():
    assert similarity(before="same words", after="same words") == 1.0
    assert similarity(before="", after="") == 1.0
    assert similarity(before="a b c d", after="w x y z") < 0.5
