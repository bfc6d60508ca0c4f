# ruff: noqa: RUF001, RUF003  # the tables are made of look-alike characters on purpose
"""Folding tables for the guard's normal form: look-alike letters, traditional Chinese, leetspeak.

Applied after NFKC (which already folds full-width, superscript, circled and mathematical
letters). The tables only shape the text the guard matches; nothing here reaches the model.
"""

from __future__ import annotations

# Cyrillic and Greek letters that render like Latin ones (Unicode confusables, lower case
# after casefold), plus dotless i and a few IPA look-alikes.
_HOMOGLYPHS = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ı": "i", "ɩ": "i", "ʟ": "l", "ɑ": "a",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
    # Curly quotes, so "don’t" reads like "don't" (Chinese quotes fold the same way).
    "‘": "'", "’": "'", "“": '"', "”": '"',
}

# Traditional characters of the vocabulary injections use (instructions, system, ignore,
# output, reveal, role ...) and their simplified forms, pairwise: 請请 means 請 -> 请.
_TRADITIONAL = (
    "請请說说話话詞词對对開开關关權权無无視视將将從从現现時时後后應应該该務务員员給给讓让過过"
    "濾滤審审問问題题覆覆復复複复寫写讀读準准則则規规導导隱隐內内發发郵邮帳账號号碼码證证"
    "裝装機机錄录紀纪記记憶忆舊旧條条項项資资數数據据傳传輸输進进結结覽览檢检點点擊击鏈链"
    "網网頁页圖图編编執执優优級级廢废銷销令令們们這这個个為为於于與与會会議议題题體体統统"
    "設设定定戶户歷历史史幫帮嗎吗麼么實实際际長长門门們们禮礼貌貌麗丽腦脑聽听觀观護护負负"
    "責责稱称當当準准備备處处理理亂乱亞亚僅仅價价億亿兒儿兩两氣气決决況况減减幾几劃划別别"
    "則则動动勢势區区協协卻却廳厅厲厉參参雙双變变叢丛臺台號号嘆叹嚴严團团壓压報报場场壞坏"
    "聲声夠够頭头獎奖孫孙學学寶宝實实屬属島岛帶带幣币並并廣广應应張张強强歸归錄录徹彻態态"
    "戰战掃扫掛挂揮挥換换損损據据攝摄擇择擬拟撥拨擔担擋挡擴扩敗败斷断於于暫暂曆历書书權权"
    "樣样標标機机檔档歡欢歲岁殺杀漢汉灣湾燈灯爭争獨独獲获現现產产畫画療疗盡尽監监盤盘確确"
    "禁禁種种穩稳競竞筆笔範范簡简紅红約约級级紙纸組组細细終终經经綁绑維维綜综緊紧線线練练"
    "總总績绩繫系繼继續续罰罚職职聯联膽胆臨临舉举與与莊庄萬万葉叶著着蘭兰虛虚號号術术補补"
    "規规覺觉角角計计訊讯託托記记許许設设訪访評评試试詳详語语誤误說说誰谁課课調调談谈請请"
    "論论謝谢證证識识譯译護护讓让豐丰貝贝負负財财貨货販贩責责貸贷費费貿贸資资賬账質质購购"
    "趙赵較较輕轻載载辦办遞递遠远適适選选遺遗還还醫医釋释鎖锁長长閉闭開开間间閱阅隊队隨随"
    "險险隱隐雜杂難难電电靈灵響响預预領领頻频顯显風风飛飞館馆馬马驗验體体髮发鬥斗點点黨党"
    "貼贴來来錯错裡里畫画歲岁兒儿師师聽听寫写讀读單单據据費费")
_TRADITIONAL_MAP = {_TRADITIONAL[i]: _TRADITIONAL[i + 1] for i in range(0, len(_TRADITIONAL), 2)
                    if _TRADITIONAL[i] != _TRADITIONAL[i + 1]}

# "Martian script" (火星文): rare characters that look or sound like common ones, written to
# slip past filters (請祀沵哋【糸統諟示詞】仐蔀輸絀唻); pairwise, as above.
_MARTIAN = "伱你沵你妳你哋的糸系諟提仐全蔀部絀出唻来牸字嘟都尐少嘫然侢再莪我丅下仩上菿到洅再徍往"
_MARTIAN_MAP = {_MARTIAN[i]: _MARTIAN[i + 1] for i in range(0, len(_MARTIAN), 2)}

# One table for str.translate: homoglyphs, traditional characters and Martian script in one
# pass.
FOLD = str.maketrans({**_HOMOGLYPHS, **_TRADITIONAL_MAP, **_MARTIAN_MAP})

# Digits and signs read as letters inside a word that mixes both ("1gn0r3", "5h0w").
# (@ and $ are left alone: folding them would break e-mail addresses and amounts.)
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                      "9": "g"})
# A 1 stands for an i or an l; read as i unless the word, read with some of its 1s as l, is one
# of these ("ru135" is rules, "n0rm41" normal, "3ng115h" english; "1gn0r3" stays ignore).
LEET_L_WORDS = frozenset((
    "rules", "rule", "all", "tell", "reply", "english", "normal", "filter", "filters", "follow",
    "role", "roles", "policy", "policies", "leak", "list", "lists", "email", "emails", "html",
    "url", "only", "please", "limit", "limits", "limitation", "limitations", "control",
    "controls", "tool", "tools", "delete", "clear", "plain", "reveal", "salary", "salaries",
    "payroll", "model", "level", "block", "label", "flag", "flags", "file", "files", "full",
    "fully", "details", "unlock", "disable", "disabled", "legal", "guardrails", "guidelines",
    "compliance", "personal", "confidential", "channel", "channels", "log", "logs",
    "unfiltered", "allowed", "illegal", "loophole", "launder", "laundering", "placeholder",
))
