"""Teaching: explain the working, check a student's answers, generate exercises.

>>> import cnncalc
>>> from cnncalc import teach
>>> net = cnncalc.Network(input=[3, 32, 32], layers=[
...     {"Conv2d": {"name": "c", "out_channels": 10, "kernel_size": 5, "padding": 2}}])
>>> print(teach.explain(net).layer("c").text())
c (Conv2d 3→10, kernel 5, stride 1, padding 2, dilation 1, groups 1)
  input [1, 3, 32, 32] → output [1, 10, 32, 32]
  H_out = W_out = floor((H_in + 2P − d·(K−1) − 1) / S) + 1 = floor((32 + 4 − 4 − 1) / 1) + 1 = 32
  params = (Cin/g · Kh·Kw + 1) · Cout = (3 · 5·5 + 1) · 10 = 760
  MACs = Cout · H_out · W_out · (Cin/g) · Kh·Kw = 10 · 32 · 32 · 3 · 25 = 768,000
  FLOPs = 2 · MACs = 1,536,000
  RF size = r + d·(K−1)·j = 1 + 4·1 = 5, jump = j·S = 1·1 = 1
  RF start = s + (d·(K−1)/2 − P)·j = 0 + (2 − 2)·1 = 0
>>> result = teach.check(net, {"c": {"output_shape": "32x32x10", "params": "1,000"}})
>>> result.score, result.total
(1, 2)
"""

from cnncalc.teach.check import AnswersError, CheckResult, Mark, check, check_report, load_answers
from cnncalc.teach.explain import (Explanation, LayerExplanation, explain, explain_report,
                                   explain_row)
from cnncalc.teach.quiz import Quiz, make_quiz
from cnncalc.teach.working import Working, WorkingDisagrees

__all__ = ["AnswersError", "CheckResult", "Explanation", "LayerExplanation", "Mark", "Quiz",
           "Working", "WorkingDisagrees", "check", "check_report", "explain", "explain_report",
           "explain_row", "load_answers", "make_quiz"]
