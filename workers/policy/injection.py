"""Prompt-injection heuristics in English and Chinese: each rule is a code and a pattern.

English rules run on `text.matchable` form; Chinese rules on the same form with spaces
removed. Codes: injection.ignore_instructions, injection.role_override,
injection.prompt_extraction, injection.delimiter_smuggling, injection.addressed_to_model.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from workers.policy.text import matchable, without_spaces

IGNORE = "injection.ignore_instructions"
ROLE = "injection.role_override"
EXTRACT = "injection.prompt_extraction"
DELIMITER = "injection.delimiter_smuggling"
ADDRESSED = "injection.addressed_to_model"


@dataclass(frozen=True)
class Rule:
    """One heuristic: the code it counts under and the pattern; `spaceless` for Chinese."""

    code: str
    pattern: re.Pattern[str]
    spaceless: bool = False


def _en(code: str, pattern: str) -> Rule:
    return Rule(code, re.compile(pattern))


def _zh(code: str, pattern: str) -> Rule:
    return Rule(code, re.compile(pattern), spaceless=True)


# A few words of filler between a verb and its object ("ignore all of the previous ...").
_GAP = r"(?:[\w'\u2019-]+[ ,]+){0,4}?"
_QUALIFIER = (
    r"(?:previous|prior|preceding|above|earlier|foregoing|original|initial|system|"
    r"developer|your|whatever|all(?: of)?(?: the| your)?)"
)
_DIRECTIVE = (
    r"(?:instructions?|prompts?|directions?|directives?|rules|guidelines|guardrails|"
    r"constraints|commands?|context|polic(?:y|ies)|programming|restrictions|messages?|guidance)"
)

RULES: tuple[Rule, ...] = (
    # "ignore / disregard / forget the previous instructions"
    _en(IGNORE, rf"\b(?:ignore|ignoring|disregard|forget|override|bypass|skip|neglect|abandon|"
                rf"set aside|put aside|discard|drop|throw out|scrap)"
                rf"\b[ ,]+{_GAP}{_QUALIFIER}\b[ ,]*{_GAP}{_DIRECTIVE}\b"),
    _en(IGNORE, r"\b(?:do not|don't|stop|no longer) (?:follow|obey|adhere to|comply with)"
                rf"(?:ing)? {_GAP}{_QUALIFIER}\b[ ,]*{_GAP}{_DIRECTIVE}\b"),
    _en(IGNORE, r"\bforget (?:everything|all|what) (?:you(?:'ve| have| were)? (?:been )?"
                r"(?:told|taught|instructed|learned)|(?:above|before|so far))"),
    _en(IGNORE, r"\b(?:new|updated|real|actual|revised|true) (?:system )?"
                r"(?:instructions?|task|directives?|orders) ?:"),
    _en(IGNORE, r"\byour (?:real|actual|true|new|only) (?:task|job|instructions?|goal|purpose)\b"),
    _en(IGNORE, r"\bsystem override\b|\boverrides? (?:all|any) (?:other|previous|prior|earlier) "
                r"(?:guidance|instructions|rules|directions)"),
    _en(IGNORE, r"\b(?:safety|content|your|ethical) (?:rules|restrictions|guidelines|filters|"
                r"polic(?:y|ies)|instructions) (?:no longer|don't|do not) apply\b"),
    _en(IGNORE, r"\b(?:everything|all|anything) (?:before|above|prior to) (?:this|here)\b.{0,40}?"
                r"\b(?:obsolete|void|invalid|cancel+ed|superseded|no longer (?:valid|appl))"),
    _en(IGNORE, r"\b(?:ignore|skip|disregard|forget)\b.{0,60}?\b(?:just|only|instead|simply) "
                r"(?:say|reply|respond|output|answer|write|return|print)\b"),
    _en(IGNORE, r"\b(?:disable|turn off|switch off|deactivate|bypass|remove) (?:the |your |all )?"
                r"(?:pii |safety |content )?(?:redaction|filters|filtering|guardrails?|moderation|"
                r"censorship|content polic(?:y|ies))\b"),
    # "you are now DAN", "from now on you ...", "pretend to be", "developer mode"
    _en(ROLE, r"\byou are (?:now|no longer)\b"),
    _en(ROLE, r"\bfrom now on,? (?:you|your|act|respond|answer|behave|reply|only)\b"),
    _en(ROLE, r"\b(?:act|behave|respond|roleplay|role-play|pose) as (?:if you (?:are|were) )?"
              r"(?:an? |the )?(?:unrestricted|unfiltered|uncensored|jailbroken|evil|rogue|"
              r"dan\b|different (?:ai|assistant|model)|root|admin|administrator|system)"),
    _en(ROLE, r"\bpretend (?:to be|you are|you're|that you are)\b"),
    _en(ROLE, r"\b(?:developer|god|debug|admin|sudo|dan|jailbreak|unrestricted) mode\b"),
    _en(ROLE, r"\bjailbr(?:eak|oken)\b|\bdo anything now\b"),
    _en(ROLE, r"\b(?:i am|i'm|as) (?:your|the) (?:developer|creator|administrator|admin|"
              r"system|owner|operator)\b"),
    _en(ROLE, r"\byour (?:new )?(?:role|persona|identity) (?:is|will be)\b"),
    _en(ROLE, r"\byou (?:have been|are|were|'ve been) (?:updated|reprogrammed|unlocked|freed|"
              r"liberated|released from)\b"),
    _en(ROLE, r"\byou (?:have|had|now have) no (?:limits|restrictions|rules|filters|guidelines|"
              r"boundaries)\b|\byou are [a-z]*gpt\b"),
    _en(ROLE, r"\byou (?:must|will|should|shall) (?:now )?(?:behave|act|pose|pretend)\b|"
              r"\b(?:assume|adopt|take on|switch to|enter) (?:the |a |your )?persona\b"),
    _en(ROLE, r"\b(?:ai|model|assistant|chatbot)\b.{0,30}?\bwithout (?:any )?(?:restrictions|"
              r"filters|censorship|limits|rules)\b"),
    # "print your system prompt", "repeat the text above verbatim"
    _en(EXTRACT, r"\b(?:reveal|show|print|display|output|repeat|recite|leak|dump|disclose|"
                 r"share|give|tell|write out|spell out|expose|paste|echo|copy|translate|"
                 r"summari[sz]e|paraphrase|encode)\b[ ,]+"
                 rf"{_GAP}(?:system|initial|original|hidden|secret|developer|pre-?)[ -]?"
                 r"(?:prompts?|instructions?|messages?|directives?)\b"),
    _en(EXTRACT, r"\bwhat (?:is|are|was|were) (?:your|the) (?:system|initial|original|"
                 r"hidden|secret) (?:prompts?|instructions?|messages?)"),
    _en(EXTRACT, r"\bwhat (?:were|have) you (?:been )?(?:told|instructed)\b"),
    _en(EXTRACT, r"\b(?:instructions?|prompts?|directives?|rules) (?:that )?you (?:were|have been|"
                 r"'ve been) (?:given|configured|provided|set up|told)"),
    _en(EXTRACT, r"\b(?:repeat|print|output|echo|copy|reproduce) (?:back )?(?:everything|all|"
                 r"the (?:text|words|lines|content|instructions?)) (?:above|before this|"
                 r"so far|verbatim|word for word)"),
    _en(EXTRACT, r"\b(?:print|output|show|reveal|quote|repeat|copy|reproduce|return)(?:ing|s)?\b"
                 r".{0,40}?\b(?:instructions?|text|messages?|prompts?) (?:that )?(?:precedes?|"
                 r"preceding|came before|comes before|above|before) (?:this|my|the)\b"),
    _en(EXTRACT, r"\b(?:text|instructions?|messages?|prompts?) (?:did |does |that )?(?:the )?"
                 r"(?:operator|developer|system|admin(?:istrator)?) (?:place|put|write|wrote|gave|"
                 r"give|provide|set)"),
    # Text inside a document that speaks to the model rather than to a human reader.
    _en(ADDRESSED, r"\b(?:note|notice|message|instructions?|attention) (?:to|for) "
                   r"(?:the |any |all )?(?:ai|llm|language model|assistant|model|chatbot|bot)s?\b"),
    _en(ADDRESSED, r"\b(?:ai|llm|language model|assistant|model)s? (?:reading|processing|"
                   r"analy[sz]ing|summari[sz]ing) this\b|"
                   r"\bhey (?:ai|model|assistant|chatgpt|gpt|bot)\b"),
    # Chat-template tokens and role headers that try to open a new turn inside the data.
    _en(DELIMITER, r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|"
                   r"start_header_id|end_header_id|begin_of_text|end_of_turn)\|>"),
    _en(DELIMITER, r"\[/?inst\]|<</?sys>>|</?s>|<start_of_turn>|<end_of_turn>"),
    _en(DELIMITER, r"</?(?:system|system_prompt|instructions?|assistant|admin|root|sudo|"
                   r"developer)>"),
    # Markdown headings like "## System risks" are common in reports: require the colon.
    _en(DELIMITER, r"#{2,} ?(?:system|instructions?|assistant|response|new task)"
                   r"(?: prompt| message)? ?:"),
    _en(DELIMITER, r"\[(?:system|assistant)(?: message)?\]"),
    _en(DELIMITER, r"(?:<{2,}|\[{2,}|={3,}|-{3,}|#{3,}) ?(?:end|begin|start)? ?(?:of )?(?:system|"
                   r"user data|user input|instructions?|admin)\b"),
    _en(DELIMITER, r"\"role\" ?: ?\"(?:system|assistant|developer)\""),
    _en(DELIMITER, r"\b(?:end|begin|start) of (?:the )?(?:system (?:prompt|message)|"
                   r"instructions|user input|conversation)\b"),
    # Chinese: 忽略之前的指令 / 你现在是 / 输出你的系统提示词.
    # NFKC has already turned full-width punctuation into ASCII.
    _zh(IGNORE, r"(?:忽略|忽视|无视|不要理会|不用理会|别管|忘记|忘掉|抛弃|绕过|跳过|"
                r"不要遵守|不再遵守|停止遵守|不要遵循|不必遵守|违背)掉?你?"
                r"(?:之前|以前|此前|先前|前面|上面|上述|以上|刚才|原来|原先|原有|所有|"
                r"全部|一切|系统|你的|给你的|开发者)+的?(?:所有|全部|一切)?的?"
                r"(?:指令|指示|说明|规则|提示词?|要求|设定|约束|限制|命令|规定|内容|对话)"),
    # Second person then the rule word: "无视你收到的规定" (plain 忽视了监管规定 stays clean).
    _zh(IGNORE, r"(?:忽略|忽视|无视|不要理会|不用理会|别管|忘记|忘掉|抛弃|绕过|跳过|不要遵守|"
                r"不再遵守|不要遵循)(?:你|您).{0,8}?(?:指令|指示|说明|规则|规定|提示词?|要求|设定|"
                r"约束|限制|命令)"),
    _zh(IGNORE, r"(?:之前|以前|此前|先前|前面|上面|上述|以上|原来|原先|所有)的?(?:指令|指示|规则|"
                r"提示|要求|设定|限制|命令|规定)(?:全部|都|均)?(?:作废|无效|失效|取消|不算)"
                r"[,.!。!]?(?:现在|请|从现在|接下来)"),
    _zh(IGNORE, r"新的?(?:系统)?(?:指令|指示|任务|命令):"),
    _zh(IGNORE, r"(?:忽略|无视|跳过|不要分析|不用分析|别管).{0,10}?(?:只|直接|仅)"
                r"(?:回复|回答|输出|说)"),
    _zh(IGNORE, r"(?:之前|以前|此前|先前|前面|上面|上述|以上|原来|原先)的?(?:一切|所有|全部)?"
                r"(?:说明|指令|指示|提示|设定)(?:都|全部|均)?(?:不再适用|不再有效|作废|无效|失效)"),
    _zh(IGNORE, r"你(?:真正|真实|实际)的(?:任务|工作|目标|指令)"),
    _zh(ROLE, r"你现在是|现在你是|你现在(?:扮演|充当|作为)|从现在(?:开始|起),?你|"
              r"(?:请你?|你(?:将|要|来))(?:扮演|充当)|假装(?:你|自己)是|你不再是|"
              r"你的新(?:身份|角色)"),
    _zh(ROLE, r"我是你的(?:开发者|创造者|管理员|主人|设计者|工程师|开发人员)|"
              r"关闭(?:所有|全部)?的?(?:安全)?(?:过滤|审查|限制|防护)"),
    _zh(ROLE, r"你是一个?(?:没有|不受|无)(?:任何)?(?:审查|限制|约束|过滤)的|"
              r"不受(?:任何)?(?:约束|限制)的身份"),
    _zh(ROLE, r"(?:开发者|越狱|上帝|调试|管理员|无限制)模式|越狱|"
              r"不受(?:任何)?(?:限制|约束)的(?:ai|助手|模型|人工智能)"),
    _zh(EXTRACT, r"(?:输出|显示|打印|告诉我|重复|泄露|透露|展示|给我看|说出|列出|复述|公开|"
                 r"发给我|写出)(?:一下)?(?:你的|你|您的)?(?:完整的?|全部的?|原始的?|最初的?|"
                 r"初始的?|隐藏的?)?(?:系统提示词?|系统指令|系统消息|初始指令|初始提示|原始指令|"
                 r"原始提示|隐藏指令|内部指令|提示词|系统设定|预设指令)"),
    _zh(EXTRACT, r"把(?:你的|你|您的)?(?:完整的?|全部的?|原始的?|隐藏的?)?(?:系统提示词?|系统指令|"
                 r"初始指令|原始指令|隐藏指令|内部指令|提示词|系统设定)(?:逐字|原样|一字不差地?|完整地?|全部)?"
                 r"(?:透露|告诉|发|输出|显示|打印|复述|写|念)"),
    _zh(EXTRACT, r"你(?:的)?(?:系统)?(?:提示词|指令|设定)是什么"),
    _zh(EXTRACT, r"你(?:最开始|最初|一开始|刚开始|之前)?(?:收到|得到|接收到?|被给予)的(?:指令|指示|"
                 r"提示词?|设定|规则|规定)"),
    _zh(EXTRACT, r"(?:重复|复述|原样输出|照抄|打印)(?:一遍)?.{0,4}(?:上面|以上|前面|之前)的?"
                 r"(?:话|内容|文字|文本|指令)|把(?:上面|以上|前面|之前)的?(?:话|文字|文本|指令)"
                 r"(?:原样|一字不差地?|完整地?)?(?:重复|复述|输出|打印)"),
    _zh(DELIMITER, r"【(?:系统|system|管理员|开发者)】|"
                   r"(?:管理员|开发者|最高|系统)(?:指令|命令):"),
    _zh(ADDRESSED, r"(?:致|给|对)(?:ai|人工智能|模型|助手|大模型)的?(?:说明|提示|通知|指令)|"
                   r"(?:ai|模型|助手)请注意"),
    _zh(DELIMITER, r"(?:系统提示|系统消息|指令)(?:结束|开始):?|"
                   r"(?:结束|开始)(?:系统提示|用户输入)"),
)


def find_injections(text: str) -> Counter[str]:
    """How many times each injection code fires in `text`."""
    folded = matchable(text)
    spaceless = without_spaces(folded)
    hits: Counter[str] = Counter()
    for rule in RULES:
        count = len(rule.pattern.findall(spaceless if rule.spaceless else folded))
        if count:
            hits[rule.code] += count
    return hits
