"""Sentence templates the engine fills with the prompt's own words (data, not logic).

Fields: {kw} a key word of the prompt, {Kw} the same capitalised, {other} another key word,
{question} the restated question, {terms} the key words as a list, {count} how many there are.
"""

# A word list reads better as text than as a list literal.
_STOPWORD_TEXT = """
a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each etc even ever every few for from further get gets getting give given go going
had hadn't has hasn't have haven't having he her here hers herself him himself his how however i
if in into is isn't it it's its itself just let let's like make makes many may me might more most
much must my myself need needs no nor not now of off on once one only or other ought our ours
ourselves out over own please quite rather really same say says shall she should shouldn't show
so some something such tell than that that's the their theirs them themselves then there these
they this those though through thus to too under until up upon us use used using very via want
wants was wasn't way we well were weren't what what's when where which while who whom whose why
will with within without won't would wouldn't write yes yet you your yours yourself explain
describe briefly short simple give list help thing things know think sure okay ok hi hello hey
thanks thank answer question sim
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

OPENINGS = (
    "You asked: “{question}”",
    "Your question: “{question}”",
    "Here is my take on “{question}”",
    "Let me answer “{question}”",
)

INTROS = (
    "The short version: it mostly comes down to {kw} and how it relates to {other}.",
    "In practice, {kw} is the part that decides the outcome, with {other} close behind.",
    "Good question. The useful way to look at it is through {kw} first, then {other}.",
    "There are {count} things worth separating here: {terms}.",
)

# Bullets are labelled with their key word, or with these when the prompt has too few key words.
ORDINALS = ("First", "Next", "Also", "Then", "Finally", "Lastly", "Besides")
BULLETS = (
    "Start by pinning down what {kw} means in your situation; the rest depends on it.",
    "Weigh how {kw} interacts with {other}; that is usually where the real decision is.",
    "A small, concrete example of {kw} will tell you more than a general rule.",
    "Check the assumptions behind {kw} before relying on it, especially at the edges.",
    "Keep {kw} simple at first and only add detail once {other} is settled.",
    "Measure {kw} directly rather than guessing; the numbers often surprise people.",
    "{Kw} tends to matter more than it looks, so give it explicit attention.",
)

CLOSINGS = (
    "If you tell me more about your {kw}, I can make this more specific.",
    "Happy to go deeper on {kw} or {other} if that would help.",
    "In short: get {kw} right first, and the rest follows.",
    "Let me know which of these points about {kw} you want to expand.",
)

HISTORY = "Continuing from what we discussed earlier, I'll build on the previous answer."
SYSTEM = "(Following your instructions: “{system}”.)"
GREETING = (
    "Hello! This is a simulated reply from {model} in Seed Playground: it is generated offline "
    "from your prompt, so it is instant and free, but it is not the real model's opinion. Ask a "
    "question (mention code, or attach an image, a video or a document) and the reply will work "
    "through its key words."
)
NO_QUESTION = "You didn't include a question, so here is what I can say about what you sent."
ATTACHMENTS = "You attached {count}:"

REASONING_OPENINGS = (
    "The user is asking: “{question}”.",
    "Okay, the question is “{question}”.",
    "Let me look at the request: “{question}”.",
)

REASONING_TERMS = "The key terms seem to be {terms}."

REASONING_STEPS = (
    "First, what does {kw} mean here? I should define it in the user's terms before anything else.",
    "How does {kw} connect to {other}? If one depends on the other, I should explain that order.",
    "Is there a common misconception about {kw}? Worth flagging briefly if so.",
    "A concrete example involving {kw} would make the answer easier to follow.",
    "I should double-check the edge cases of {kw}; the obvious reading might not hold everywhere.",
    "Would the user care about the cost or effort of {kw}? Probably, so mention it.",
    "Let me reconsider {kw} from the other side: what happens if {other} changes?",
    "Keep the wording about {kw} short; a long digression would not help.",
)

REASONING_ATTACHMENT = "They also attached {item}; I should acknowledge it and say what I infer."
REASONING_CODE = "They mention code, so a short {language} snippet using {kw} would help."
REASONING_PLAN = "Plan: restate the question, cover {terms}, then close with a next step."
