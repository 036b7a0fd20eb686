"""SurpriseStrip: two models' probabilities of the real next tokens, on one honest scale."""
import numpy as np
import pytest

from scenes import style
from scenes.components.surprise_strip import SurpriseStrip


TH = style.THEMES["dark"]   # the palette these tests draw in


def test_rows_are_outlined_where_the_first_model_is_surprised_and_the_second_is_not():
    probs = np.array([[0.01, 0.5, 0.001, 0.3],
                      [0.50, 0.6, 0.05, 0.01]])
    strip = SurpriseStrip([" the", " cat", "s", "."], probs, ["small", "default"], theme=TH)
    np.testing.assert_array_equal(strip.probs, probs)
    # 50x less and p >= 0.1: yes; both likely: no; 50x less but p = 0.05 < 0.1: no; reversed: no
    assert strip.surprised == [True, False, False, False]
    assert strip.image.get_width() > 0


@pytest.mark.parametrize("probs", [np.zeros((2, 3)), np.full((2, 4), 1.5), np.full((2, 4), np.nan),
                                   np.zeros((4,))])
def test_bad_input_is_refused(probs):
    with pytest.raises(ValueError):
        SurpriseStrip(["a", "b", "c", "d"], probs, ["small", "default"], theme=TH)


def test_tiny_probabilities_stay_inside_their_column():
    from scenes.components.surprise_strip import shown_percent
    assert shown_percent(3.8e-25) == "<0.00010%" and shown_percent(1e-6) == "0.00010%"
    assert shown_percent(0.328) == "32.8%" and shown_percent(1.5e-5) == "0.0015%"
    strip = SurpriseStrip([" the", " Gardiners,"], np.array([[1e-20, 0.5], [0.3, 0.6]]), ["tiny", "default"],
                          label_width=2.8, theme=TH)
    assert strip.surprised == [True, False]
