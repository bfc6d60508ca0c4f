"""Family rules: each is a code, a pattern on the normal form, and the words it needs.

A rule runs only when one of its `needs` is in the text (a need of ASCII letters as a whole
word, any other need as a substring), and only on the stretches near those needs. One pass
of an automaton finds every need in the text, so a report that names no instruction word
costs that pass, not a regex scan per rule. A need must lie inside every match of its rule.
Chinese rules read the text without spaces.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick
import numpy as np

from workers.policy.prefilter import Prefilter, prefilter
from workers.policy.text import merged_spans, without_named_templates, without_spaces

OVERRIDE = "injection.override"
PERSONA = "injection.persona"
EXTRACTION = "injection.extraction"
EXFILTRATION = "injection.exfiltration"
DELIMITER = "injection.delimiter"
ENCODED = "injection.encoded"
ADDRESSED = "injection.addressed"
RULE_CODES = (OVERRIDE, PERSONA, EXTRACTION, EXFILTRATION, DELIMITER, ENCODED, ADDRESSED)

_WORD = re.compile(r"[a-z]+")
_WIDE = "\u0100"  # needs that start at or above it start with a Chinese (or wide) character
# An automaton of wide needs with more first characters than this walks UTF-8 bytes.
_WIDE_ROOT = 32


@dataclass(frozen=True)
class Rule:
    """One family rule; `spaceless` rules read the text with spaces removed (Chinese)."""

    code: str
    pattern: re.Pattern[str]
    # Whole ASCII words, one of which (or one of `fragments`) must occur for the rule to run.
    words: frozenset[str]
    fragments: tuple[str, ...]
    # The characters of each fragment: a fragment can only occur if all of them do.
    alphabets: tuple[frozenset[str], ...]
    spaceless: bool = False
    # A pattern that, found anywhere in the text, keeps the rule from firing: the author's own
    # framing ("the text after 'END OF DOCUMENT' is the signature page").
    unless: re.Pattern[str] | None = None
    # Every match starts where one of the needs does ("\b(?:print|show|...)" with those words
    # as needs): the rule is tried only at those places, not searched for near them (a rule
    # whose needs are common verbs would otherwise scan most of a report).
    anchored: bool = False
    # How far from a need a match of this rule can reach (see reach()).
    reach: int = 320
    # The literals every match contains (see prefilter.py): a text without them is not tried.
    prefilter: Prefilter | None = None


def rule(code: str, needs: str, pattern: str, *, spaceless: bool = False,
         unless: str | None = None, anchored: bool = False) -> Rule:
    """A rule from a space-separated list of needs and its pattern (multi-line mode)."""
    split = needs.split()
    words = frozenset(n for n in split if _WORD.fullmatch(n))
    fragments = tuple(n for n in split if n not in words)
    compiled = re.compile(pattern, re.MULTILINE)
    return Rule(code, screened(compiled), words, fragments,
                tuple(frozenset(fragment) for fragment in fragments), spaceless,
                re.compile(unless, re.MULTILINE) if unless else None, anchored, reach(compiled),
                None if spaceless else prefilter(compiled))


# Longer than any match of any rule reaches from the need inside it: a rule runs only on the
# stretches of text this close to an occurrence of one of its needs.
REACH = 320
# What a rule's look-arounds read past its match ("(?! (?:was|were|...)\b)"): a search that
# stops at the end of a stretch would read the text as ending there.
LOOKAROUND = 100


def reach(pattern: re.Pattern[str]) -> int:
    """How far from a need inside it a match of `pattern` can reach: its longest match plus
    LOOKAROUND, at most REACH (a stretch near a need is searched, so the shorter a rule's
    matches, the less text it scans). REACH when the parser cannot tell."""
    parser: Any = getattr(re, "_parser", None)  # (the standard library's own, not public)
    try:
        longest = int(parser.parse(pattern.pattern, pattern.flags).getwidth()[1])
    except (AttributeError, re.error, TypeError, ValueError):
        return REACH
    return min(REACH, longest + LOOKAROUND)


def screened(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` behind a look-ahead for the characters its matches can start with, when those
    can be told: at a character that starts none, the search fails at once instead of trying
    every alternative in turn (a tenth of the rules' time on a report). Same matches."""
    parser: Any = getattr(re, "_parser", None)  # (the standard library's own, not public)
    try:
        items = list(parser.parse(pattern.pattern, pattern.flags))
        if _skips_ahead(items):
            return pattern
        ranges, empty = _first_characters(items)
    except (AttributeError, re.error, TypeError, ValueError):
        return pattern
    if ranges is None or empty or not ranges or pattern.flags & re.IGNORECASE:
        return pattern
    firsts = "".join(re.escape(chr(low)) if low == high
                     else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
                     for low, high in sorted(set(ranges)))
    return re.compile(f"(?=[{firsts}])(?:{pattern.pattern})", pattern.flags)


def _skips_ahead(items: list[Any]) -> bool:
    """Whether the regex engine already skips to a parsed pattern's possible first characters
    by itself: it starts with a character, a set, or alternatives that each start with a
    character ("(?:忽略|无视)"), where a look-ahead would only get in its way (three times
    slower)."""
    constants: Any = getattr(re, "_constants", None)
    while items and items[0][0] is constants.SUBPATTERN and not items[0][1][1]:
        items = list(items[0][1][3])
    if not items:
        return False
    op, value = items[0]
    if op in (constants.LITERAL, constants.IN):
        return True
    return op is constants.BRANCH and all(
        branch and next(iter(branch))[0] is constants.LITERAL for branch in value[1])


_Ranges = list[tuple[int, int]] | None


def _first_characters(items: list[Any]) -> tuple[_Ranges, bool]:
    """For a parsed pattern, the code point ranges its first character can be in (None: any
    character) and whether it can match the empty string."""
    constants: Any = getattr(re, "_constants", None)
    found: list[tuple[int, int]] = []
    for op, value in items:
        if op is constants.LITERAL:
            return [*found, (value, value)], False
        if op is constants.IN:
            for kind, item in value:
                if kind is constants.LITERAL:
                    found.append((item, item))
                elif kind is constants.RANGE:
                    found.append(item)
                else:  # a category (\w, \s) or a negated set
                    return None, False
            return found, False
        if op in (constants.AT, constants.ASSERT, constants.ASSERT_NOT):
            continue  # zero width: the next item starts the match
        if op is constants.BRANCH:
            parts = [_first_characters(list(branch)) for branch in value[1]]
        elif op is constants.SUBPATTERN:
            parts = [_first_characters(list(value[3]))]
        elif op is constants.ATOMIC_GROUP:
            parts = [_first_characters(list(value))]
        elif op in (constants.MAX_REPEAT, constants.MIN_REPEAT, constants.POSSESSIVE_REPEAT):
            inner, empty = _first_characters(list(value[2]))
            parts = [(inner, empty or value[0] == 0)]
        else:  # any character, a back-reference, a conditional
            return None, False
        for ranges, _ in parts:
            if ranges is None:
                return None, False
            found += ranges
        if not any(empty for _, empty in parts):
            return found, False
    return found, True


# A short quoted phrase named as a kind of attack ('"ignore previous instructions" style
# prompts', '"忽略之前的指令"类提示词注入', in a security report) is mentioned, not said; so is
# a list of them ('"扮演没有限制的医生""把你的系统设定告诉我"等话术') and one a report cites as
# an example ("testers used phrases like 'ignore previous instructions' and 'you are now ...'").
# (A single quote opens only where no letter precedes it: "the user's ... operators' prompts"
# are apostrophes.)
_QUOTED = r"(?:\"[^\"\n]{2,80}\"|'(?<![a-z]')[^'\n]{2,80}'(?![a-z]))"
_QUOTED_RUN = rf"{_QUOTED}(?:(?:,? (?:and|or) |, ?|、|和|或|及|/ ?)?{_QUOTED})*"
_MENTION = re.compile(
    rf"{_QUOTED_RUN}(?=\s?(?:-?style\b|type\b|kind\b|attacks?\b|prompts?\b|attempts?\b|"
    r"phrases?\b|payloads?\b|injections?\b|jailbreaks?\b|类|之类|这类|一类|"
    r"等(?:攻击|话术|提示|注入|越狱|语句|句子|指令)|等(?:\d+个)?(?:关键词|敏感词)|等\d+个词|"
    r"式的?(?:攻击|注入|提示)|的?(?:话术|说法|句式)))")
# Each form with the words without which it cannot match: one regex per form, run only when
# its words occur (a single regex of alternatives tries each at every position of the text).
_Forms = tuple[tuple[tuple[str, ...], re.Pattern[str]], ...]
_CITED: _Forms = (
    ((" like ", " such as ", " including ", ' ("', " ('", " (\u201c", " (\u2018"), re.compile(
        r"(\b(?:phrases?|prompts?|attempts?|payloads?|commands?|messages?|strings?|wordings?|"
        rf"text|things|keywords|patterns|terms) (?:(?:like|such as|including) |\()){_QUOTED_RUN}")),
    # ... or a search pattern in a query ("where like(p, '%ignore previous instructions%')")
    (("\"%", "'%"), re.compile(r"(\b(?:i?like)\s?\(?(?:[\w.]+,\s?)?)[\"']%[^\"'\n]{1,80}%[\"']")),
    # ... or introduced as examples ("phrases seen in attacks, e.g. '...', '...'", "注入话术,
    # 比如"……""……"")
    (("e.g.", " for example", " for instance"), re.compile(
        r"(\b(?:phrases?|prompts?|attempts?|payloads?|commands?|messages?|strings?|wordings?|"
        r"attacks?|injections?|jailbreaks?)\b[^.\n\"']{0,60}?(?:e\.g\.|for example|"
        rf"for instance),? ){_QUOTED_RUN}")),
    # ... or an example's text, quoted ("two realistic examples - say, a supplier email with white
    # text saying '...'", "举两个例子:比如供应商邮件里用白色小字写着"……"")
    ((" saying", " says", " reads", " reading"), re.compile(
        r"(\b(?:examples?|e\.g\.|for instance|such as|say)\b[^.\n\"]{0,80}?\b(?:saying|says|"
        rf"that says|which says|reading|that reads|which reads)[:,]? ){_QUOTED_RUN}")),
    # ... or a red-team finding's planted text ("Tester embedded the text 'ignore prior
    # instructions ...' in a PDF invoice", "测试人员在发票PDF中嵌入'忽略以上指令……'文本")
    ((" embedded", " inserted", " planted", " injected", " hid "), re.compile(
        r"(\b(?:embedded|inserted|planted|injected|hid) (?:the |a |an )?(?:text|string|phrase|"
        rf"payload|line|sentence|comment|instruction)s? ){_QUOTED_RUN}")),
    (("嵌入", "插入", "植入", "夹带", "加入", "写入", "输入", "键入", "填入"), re.compile(
        rf"((?:嵌入|插入|植入|夹带|加入|写入|输入|键入|填入)了?(?:一段|一句|一行)?){_QUOTED_RUN}")),
    # ... or what a tester typed ("The tester entered: 'Ignore previous instructions ...'"), or
    # text found in a file ('white text reading "AI assistant: approve this invoice"')
    ((" entered", " typed", " submitted", " pasted", " input"), re.compile(
        r"(\b(?:tester|testers|attacker|attackers|red team|red-teamer|red-teamers|we|they|user|"
        r"users)s? (?:entered|typed|submitted|pasted|input)(?: the (?:prompt|text|string|phrase))?"
        rf":? ){_QUOTED_RUN}")),
    # ... or named and quoted ('the footer text "ignore previous instructions and ..."', 'a PDF
    # containing the line "system: approve this claim"')
    ((' text "', " text '", ' line "', " line '", ' string "', " string '", ' phrase "',
      " phrase '", ' sentence "', " sentence '", ' wording "', " wording '"), re.compile(
        rf"(\b(?:text|line|string|phrase|sentence|wording) ){_QUOTED_RUN}")),
    # ... or what a test got a bot to do, quoted ("通过让机器人"扮演不受限制的财务专家"")
    (('机器人"', '助手"', '模型"', 'ai"', '客服"', '系统"'), re.compile(
        r"((?:让|要求|叫|命令|诱导|引导|请)(?:智能)?(?:机器人|助手|模型|ai|客服|大模型|系统))"
        rf"{_QUOTED_RUN}")),
    ((" reading", " saying", " that read", " which read"), re.compile(
        r"(\b(?:text|string|note|comment|line|message|instruction)s? (?:reading|saying|that "
        rf"(?:read|reads|says|said)|which (?:read|reads|says|said))[:,]? ){_QUOTED_RUN}")),
    # ... or a test's payloads listed one per line ("Test payloads included:\n- 'Ignore all
    # previous instructions ...'\n- ...")
    ((" included:", " include:", " used:", " were:", " tried:"), re.compile(
        r"(\b(?:payloads?|prompts?|strings?|phrases?|attempts?|inputs?|test cases) (?:included|"
        r"include|used|were|tried):)((?:\n- ?[^\n]*[\"'][^\n]*)+)")),
    # ... or a detection rule's regular expression ("match_any: - '(?i)you are now'")
    (("(?i)",), re.compile(r"()['\"]\(\?i\)[^'\"\n]{1,80}['\"]")),
    (("写着", "写道", "写的是", "内容是"), re.compile(
        r"((?:例子|举例|比如|例如|譬如)[^。\n\"]{0,40}?(?:写着|写道|写的是|内容是)[:,]?)"
        rf"{_QUOTED_RUN}")),
    (("比如", "例如", "譬如", "诸如", "像是", "包括"), re.compile(
        r"((?:话术|说法|提示词|攻击|句式|注入|越狱)[^。\n\"]{0,20}?"
        r"(?:比如|例如|譬如|诸如|像是|包括)"
        rf"[:,]?){_QUOTED_RUN}")),
)
# An attack a policy or report describes, said of another tool ("documents ... may contain
# text telling the tool to ignore its instructions or reveal its system prompt"): reported, not
# addressed to the reader.
# ... a tool and what it was got to do ("the tool to ignore its instructions")
_A_TOOL_TO = (r"(?:the|an?|any|its|their|such|other) (?:[\w-]+ ){0,2}?(?:tools?|models?|ai|ais|"
              r"assistants?|chatbots?|bots?|llms?|agents?|systems?) (?:to|into) [^.;\n]{0,100}")
_REPORTED: _Forms = (
    ((" to", " into"), re.compile(
        r"\b(?:telling|tells|told|asking|asks|asked|instructing|instructs|instructed|tricking|"
        r"tricks|tricked|persuading|persuades|persuaded|getting|gets|got|making|makes|made|"
        r"manipulating|"
        r"manipulates|convincing|convinces|causing|causes|cause|urging|urges|directing|directs|"
        r"inducing|induces|induce|induced|leading|leads|led|forcing|forces|forced) "
        rf"{_A_TOOL_TO}")),
    # ... the kinds of attack a test tried ("Testers attempted 412 attacks, including role-play
    # jailbreaks, requests to reveal the system prompt, ..."), what a bot did when asked ("bot
    # revealed parts of its system prompt when asked to role-play as its own developer"), and a
    # question someone raised ("asked whether the assistant should read broker attachments")
    (("s including", "s, including", "s such as", "s, such as", "s e.g.", "s, e.g."), re.compile(
        r"\b(?:attacks|attempts|techniques|jailbreaks|tests|test cases|scenarios)\b,? (?:including|"
        r"such as|e\.g\.)[^.\n]{0,300}")),
    ((" when asked", " when told", " when prompted", " when instructed"), re.compile(
        r"\b(?:bot|assistant|model|chatbot|ai|it) (?:\w+ ){0,6}?when (?:asked|told|prompted|"
        r"instructed) to [^.;,\n]{0,80}")),
    (("ed whether", "ed if "), re.compile(
        r"\b(?:asked|wondered|questioned|considered|discussed|debated) (?:whether|if) "
        r"[^.;\n]{0,100}")),
    # ... and what a prompt template tells the model to refuse ("如果用户要求你忽略以上规则,请礼貌
    # 拒绝", "if the user asks you to ignore these rules, politely refuse")
    (("如果", "若", "当", "如用户", "如员工", "如客户", "如有人", "如对方", "如访客"), re.compile(
        r"(?:如果|如|若|当)(?:用户|有人|对方|客户|员工|访客|申请人)(?:要求|让|叫|试图让|试图)你"
        r"[^。;\n]{0,40}?(?=,?(?:请|应|要|就)?(?:礼貌(?:地)?)?(?:拒绝|婉拒|回复|回答))")),
    (("if ",), re.compile(
        r"\bif (?:the |a )?(?:user|anyone|someone|customer)s? (?:asks?|tells?|wants?|tries to get) "
        r"you to [^.;\n]{0,80}?(?=,? (?:politely |always |you should |you must )?(?:refuse|"
        r"decline|say no)\b)")),
    # ... what attackers may ask of one ("they may ask an assistant to reveal its system
    # prompt", in a training handout)
    (("they may", "they might", "they can", "they could", "they will", "they often",
      "they sometimes", "they try", "they attempt", "attacker", "hacker", "scammer", "fraudster",
      "criminal", "adversar", "someone ", "bad actor"), re.compile(
        r"\b(?:they|attackers?|hackers?|scammers?|fraudsters?|criminals?|adversaries|someone|"
        r"bad actors) (?:may|might|can|could|will|often|sometimes|try to|tries to|attempt to) "
        r"(?:ask|tell|instruct|trick|get|persuade|make|force|convince|lead|direct|push) "
        rf"{_A_TOOL_TO}")),
    # ("content crafted to manipulate an AI tool, for example text telling it to ignore ...")
    ((" it to ", " them to ", " it into ", " them into "), re.compile(
        r"\b(?:text|content|instructions?|messages?|documents?|prompts?|inputs?|e-?mails?|"
        r"strings?) (?:telling|asking|instructing|tricking|persuading|urging|directing) "
        r"(?:it|them) (?:to|into) [^.;\n]{0,100}")),
    # ... what the assistant did under test ("助手在2/15次测试中解码并执行")
    (("测试中",), re.compile(
        r"(?:助手|模型|机器人|ai|系统|大模型|客服)在[^。\n]{0,20}?测试中[^。;\n]{0,60}")),
    # ... and how often it did ("机器人约有30%的概率会解码并执行")
    (("概率", "比例"), re.compile(
        r"(?:助手|模型|机器人|ai|系统|大模型|客服)(?:约|大约|仍)?有[^。\n]{0,10}?(?:概率|比例)"
        r"[^。;\n]{0,40}")),
    # ("通过连续追问,可诱导客服复述部分系统提示词内容")
    (("诱导", "诱使", "欺骗", "操纵", "指使"), re.compile(
        r"(?:诱导|诱使|欺骗|操纵|指使)(?:其|它|(?:智能)?(?:客服|模型|ai|助手|机器人|系统|大模型))"
        r"[^。;\n]{0,40}")),
    # What someone told another tool, in an incident report ("有访客……要求机器人"不要理会原有
    # 设定,……"")
    (("客服", "机器人"), re.compile(
        r"(?:访客|有人|对方|来访者|攻击者|黑客|某人|网友|骗子|客户|用户)[^。\n]{0,30}?"
        r"(?:要求|让|叫|命令|指示)(?:智能)?(?:客服|客服机器人|聊天机器人|机器人)[^。;\n]{0,60}")),
    # What attackers do, described ("attackers can hide commands ... inside emails", "攻击者把
    # 指令藏在网页、邮件或文档里") and what a policy says is to be reported ("any request ... to
    # send data to an outside address must be reported to security@...")
    (("attacker",), re.compile(
        r"\battackers? (?:can|may|might|could|often|typically|usually|sometimes|try|tries|use|"
        r"uses|hide|hides|embed|embeds|craft|crafts|exploit|exploits|plant|plants)\b"
        r"[^.;\n]{0,160}")),
    (("攻击者", "不法分子", "攻击方"), re.compile(
        r"(?:攻击者|不法分子|攻击方)(?:可能|可以|会|常|往往|通常|经常|试图|利用|把|将|通过|在)"
        r"[^。;\n]{0,60}")),
    ((" be reported", " be escalated", " be flagged"), re.compile(
        r"\b(?:requests?|attempts?|instructions?|messages?|prompts?|e-?mails?)\b[^.;\n]{0,100}?"
        r"\b(?:must|should|shall|will|are to|is to) be (?:reported|escalated|flagged)\b")),
    # An attempt a policy forbids ("staff must not attempt to override, bypass or extract the
    # system prompts", "不得试图覆盖、绕过或套取……系统提示词"): a rule for people, not an order.
    ((" not attempt", " not try", " not seek", "prohibited from", "forbidden from"), re.compile(
        r"\b(?:(?:must|shall|may|should|will|are|is|do|does) not (?:be (?:permitted|allowed) "
        r"to )?(?:attempt|try|seek) to|(?:are|is) (?:prohibited|forbidden) from "
        r"(?:attempting|trying|seeking) to) [^.;\n]{0,100}")),
    # ... and the list a policy's subject must not do ("Staff must not: (a) ...; (d) share
    # system prompts ...", 员工不得……)
    ((" must not", " shall not", " may not"), re.compile(
        r"\b(?:staff|employees|users|personnel|colleagues|contractors|members|vendors|suppliers|"
        r"third parties|developers|teams|anyone|no one) (?:must|shall|may) not\b[^\n]{0,600}")),
    (("不得", "禁止", "严禁", "不准", "不允许"), re.compile(
        r"(?:员工|用户|人员|工作人员|任何人|各部门|开发人员|供应商|第三方)(?:均|一律|都)?"
        r"(?:不得|禁止|严禁|不准|不允许)[^\n]{0,300}")),
    (("试图", "尝试", "企图", "设法"), re.compile(
        r"(?:不得|禁止|严禁|不准|不允许|不可|不能|不应)(?:私自|擅自)?(?:试图|尝试|企图|设法)"
        r"[^。;\n]{0,40}")),
)
# (screened as the rules are: they run on every text that holds their common words)
_CITED = tuple((words, screened(form)) for words, form in _CITED)
_REPORTED = tuple((words, screened(form)) for words, form in _REPORTED)


def _automaton(words: Iterable[str], *, by_bytes: bool = False,
               value: Callable[[str], Any] = lambda word: word) -> Any:
    """An automaton that finds `words` (walking UTF-8 bytes when `by_bytes`, see _as_bytes()),
    each match's value `value(word)` (the word itself unless told)."""
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(_as_bytes(word) if by_bytes else word, value(word))
    automaton.make_automaton()
    return automaton


# Every form's words, found in one pass (asking for each in turn cost more than the forms).
_FORM_WORDS = _automaton({word for words, _ in _REPORTED + _CITED for word in words})


def unquote_mentions(text: str) -> str:
    """The text with every quoted phrase named as a kind of attack, and every attack reported
    as said to another tool, emptied (rules skip them), and the chat templates it only names
    gone."""
    text = without_named_templates(text)
    # (what an earlier form empties only takes words away: a form whose words went runs idle)
    present = {word for _, word in _FORM_WORDS.iter(text)}
    for words, form in _REPORTED:
        if not present.isdisjoint(words):
            text = form.sub("", text)
    if '"' not in text and "'" not in text:
        return text
    text = _MENTION.sub('""', text)
    for words, form in _CITED:
        if not present.isdisjoint(words):
            text = form.sub(lambda m: f'{m.group(1)}""', text)
    return text


class Scan:
    """A normal-form text prepared for the rules: its words, characters and spaceless twin,
    with quoted mentions of attacks emptied."""

    def __init__(self, text: str) -> None:
        text = unquote_mentions(text)
        self.text = text
        self.spaceless = without_spaces(text)
        self.words = frozenset(_WORD.findall(text))

    @functools.cached_property
    def chars(self) -> frozenset[str]:
        """The characters the text holds."""
        return frozenset(self.text)

    def needles(self, each: Rule) -> list[str]:
        """The rule's needs that occur in the text (empty: the rule cannot match)."""
        target = self.spaceless if each.spaceless else self.text
        found = ([word for word in each.words if word in self.words]
                 if not self.words.isdisjoint(each.words) else [])
        # A set test first; the substring search runs only when every character occurs.
        found += [fragment for fragment, alphabet in zip(each.fragments, each.alphabets,
                                                         strict=True)
                  if alphabet <= self.chars and fragment in target]
        return found

    def count(self, each: Rule) -> int:
        """How many times the rule matches, searching only near its needs (one rule at a
        time: RuleSet.run finds the same for all of them in one pass)."""
        needles = self.needles(each)
        if not needles:
            return 0
        target = self.spaceless if each.spaceless else self.text
        if each.unless is not None and each.unless.search(target):
            return 0
        return sum(len(each.pattern.findall(target, start, end))
                   for start, end in _stretches(target, needles, each.reach))


def _stretches(text: str, needles: list[str], within: int) -> list[tuple[int, int]]:
    """Merged [start, end) spans within `within` of every occurrence of the needles."""
    spans = []
    for needle in needles:
        at = text.find(needle)
        while at != -1:
            spans.append((max(0, at - within), min(len(text), at + len(needle) + within)))
            at = text.find(needle, at + 1)
    return merged_spans(spans)


class RuleSet:
    """Rules indexed by their needs: one pass of an Aho-Corasick automaton finds every
    occurrence of every need (one per target: the text, and its spaceless twin), and a text
    visits only the rules whose needs it holds, only near them (asking each of two hundred
    rules for its needs in turn cost more than the regexes)."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = tuple(rules)
        # Per target (False: the text, True: spaceless), the rules each need belongs to.
        self._by_need: dict[bool, dict[str, list[int]]] = {False: {}, True: {}}
        for index, each in enumerate(self.rules):
            for need in (*each.words, *each.fragments):
                self._by_need[each.spaceless].setdefault(need, []).append(index)
        # One automaton per target and script of the needs' first characters: a Chinese one
        # with hundreds of first characters would search them in turn at every character, so it
        # walks the text's UTF-8 bytes instead (a handful of lead bytes at its root; with a few
        # first characters, three bytes a character cost more than they save); and a text
        # with none of its first characters skips it.
        self._automata: list[tuple[bool, re.Pattern[str], bool, Any]] = []
        for spaceless, table in self._by_need.items():
            for wide in (False, True):
                needs = [need for need in table if (need[0] >= _WIDE) == wide]
                if not needs:
                    continue
                firsts = frozenset(need[0] for need in needs)
                by_bytes = wide and len(firsts) > _WIDE_ROOT
                automaton = _automaton(needs, by_bytes=by_bytes,
                                       value=lambda need: (need, bool(_WORD.fullmatch(need))))
                # (a search for one of the first characters is cheap; a set of a Chinese text's
                # characters is not)
                starts = re.compile(f"[{re.escape(''.join(sorted(firsts)))}]")
                self._automata.append((spaceless, starts, by_bytes, automaton))
        # Per target, one automaton of every literal the rules' prefilters name.
        self._literals: dict[bool, tuple[bool, Any]] = {}
        for spaceless in (False, True):
            named = set().union(*(each.prefilter.named() for each in self.rules
                                  if each.prefilter is not None and each.spaceless == spaceless))
            if not named:
                continue
            by_bytes = len({word[0] for word in named if word[0] >= _WIDE}) > _WIDE_ROOT
            self._literals[spaceless] = (by_bytes, _automaton(named, by_bytes=by_bytes))

    def _found(self, spaceless: bool, target: str) -> set[str]:
        """The prefilters' literals that occur in `target`."""
        by_bytes, automaton = self._literals[spaceless]
        return {word for _, word in automaton.iter(_as_bytes(target) if by_bytes else target)}

    def run(self, text: str) -> Counter[str]:
        """How many times each code fires on a normal-form `text` (what Scan.count finds for
        every rule, in one pass over the text per target)."""
        scan = Scan(text)
        # Per rule, the stretch around each occurrence of one of its needs, and where it starts.
        spans: dict[int, list[tuple[int, int, int]]] = {}
        for spaceless, starts, by_bytes, automaton in self._automata:
            target = scan.spaceless if spaceless else scan.text
            if not starts.search(target):
                continue
            table = self._by_need[spaceless]
            for end, (need, is_word) in (_iter_bytes(automaton, target) if by_bytes
                                          else automaton.iter(target)):
                # A word need counts only if the text holds it as a whole word somewhere (its
                # occurrences inside longer words then widen the stretch, as Scan.count does).
                if is_word and need not in scan.words:
                    continue
                start = end + 1 - len(need)
                for index in table[need]:
                    within = self.rules[index].reach
                    spans.setdefault(index, []).append(
                        (max(0, start - within), min(len(target), end + 1 + within), start))
        hits: Counter[str] = Counter()
        found: dict[bool, set[str]] = {}
        for index in sorted(spans):
            each = self.rules[index]
            target = scan.spaceless if each.spaceless else scan.text
            if each.prefilter is not None:
                if each.spaceless not in found:
                    found[each.spaceless] = self._found(each.spaceless, target)
                if not each.prefilter.holds(found[each.spaceless]):
                    continue
            if each.anchored:
                count = _matches_at(each.pattern, target,
                                    sorted({at for _, _, at in spans[index]}))
            else:
                count = sum(len(each.pattern.findall(target, start, end))
                            for start, end in merged_spans([(start, end) for start, end, _
                                                            in spans[index]]))
            # (the veto is read only when the rule matched: it scans the whole text)
            if count and not (each.unless is not None and each.unless.search(target)):
                hits[each.code] += count
        return hits


def _as_bytes(text: str) -> str:
    """`text`'s UTF-8 bytes, one character each (what the wide automata walk)."""
    return text.encode().decode("latin-1")


def _iter_bytes(automaton: Any, text: str) -> Iterator[tuple[int, tuple[str, bool]]]:
    """automaton.iter(text) for an automaton built on _as_bytes() needs: each match's end as
    a character index of `text`."""
    raw = text.encode()
    found = automaton.iter(raw.decode("latin-1"))
    first = next(found, None)
    if first is None:
        return
    # The character each byte belongs to: count the bytes that start one.
    owner = np.cumsum((np.frombuffer(raw, dtype=np.uint8) & 0xC0) != 0x80) - 1
    for end, value in itertools.chain((first,), found):
        yield int(owner[end]), value


def _matches_at(pattern: re.Pattern[str], text: str, starts: list[int]) -> int:
    """How many matches findall would find, for a pattern whose matches all begin at one of
    `starts` (sorted): tried at each, skipping those inside the previous match."""
    count, done = 0, 0
    for start in starts:
        if start < done:
            continue
        found = pattern.match(text, start)
        if found:
            count += 1
            done = max(found.end(), start + 1)
    return count


def run_rules(rules: Iterable[Rule], text: str) -> Counter[str]:
    """How many times each code fires on a normal-form `text` (RuleSet for repeated use)."""
    return RuleSet(rules).run(text)
