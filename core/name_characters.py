"""Characters picked one at a time by a word everyone knows: 「吉野の吉」「高いの高」.

When none of the offered spellings is the resident's, the kiosk has no handwriting pad and no
IME: the reading is split into the syllables of each character, and for the next syllables the
resident is shown characters with that reading, each with a word that tells it apart, as one
would tell it over the telephone. The list is curated, not built from the name index: the index
knows which characters names use but not which word makes a character unmistakable, and that
word is what lets a resident be sure. It holds the characters most used in names (the name
index's character counts checked the choice) and stays small enough for one screen per
syllable; a character it lacks is kept in kana for that syllable, and staff see the flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import jaconv


@dataclass(frozen=True)
class KnownCharacter:
    reading: str  # katakana, as the index and the stored kana
    character: str
    word: str  # the word that tells it apart: 吉野の吉


# reading (hiragana) : (character, word) … — most used in names first for each reading.
_TABLE: dict[str, tuple[tuple[str, str], ...]] = {
    "あ": (("安", "安心の安"), ("阿", "阿波踊りの阿"), ("亜", "亜細亜の亜")),
    "あき": (("明", "明るいの明"), ("秋", "秋の秋"), ("昭", "昭和の昭"), ("章", "文章の章")),
    "い": (("井", "井戸の井"), ("伊", "伊勢の伊"), ("石", "石の石")),
    "いし": (("石", "石の石"),),
    "いち": (("一", "一番の一"), ("市", "市場の市")),
    "う": (("宇", "宇宙の宇"), ("上", "上の上")),
    "うえ": (("上", "上の上"),),
    "え": (("江", "江戸の江"), ("恵", "恵みの恵"), ("絵", "絵本の絵")),
    "お": (("小", "小さいの小"), ("尾", "尾道の尾"), ("大", "大きいの大")),
    "か": (("加", "加えるの加"), ("香", "香りの香"), ("佳", "佳作の佳"), ("花", "花の花")),
    "かず": (("和", "平和の和"), ("一", "一番の一")),
    "かつ": (("勝", "勝つの勝"), ("克", "克服の克")),
    "かわ": (("川", "川の川"), ("河", "河川の河")),
    "き": (("木", "木の木"), ("樹", "樹木の樹"), ("喜", "喜ぶの喜"), ("紀", "紀行の紀")),
    "きよ": (("清", "清いの清"),),
    "く": (("久", "久しいの久"), ("工", "工作の工")),
    "くに": (("国", "国の国"), ("邦", "連邦の邦")),
    "け": (("家", "家の家"),),
    "けん": (("健", "健康の健"), ("謙", "謙虚の謙"), ("賢", "賢いの賢")),
    "こ": (("子", "子どもの子"), ("小", "小さいの小"), ("古", "古いの古")),
    "こう": (("幸", "幸せの幸"), ("浩", "浩然の浩"), ("康", "健康の康"), ("孝", "孝行の孝")),
    "さ": (("佐", "佐賀の佐"), ("沙", "沙漠の沙"), ("左", "左の左")),
    "さい": (("斉", "一斉の斉"), ("斎", "書斎の斎"), ("西", "西の西")),
    "さき": (("崎", "長崎の崎"), ("咲", "咲くの咲"), ("先", "先の先")),
    "さと": (("里", "里山の里"), ("聡", "聡明の聡"), ("智", "智恵の智")),
    "さわ": (("沢", "沢山の沢"),),
    "し": (("志", "志すの志"), ("史", "歴史の史"), ("司", "司会の司")),
    "しげ": (("茂", "茂るの茂"), ("重", "重いの重")),
    "しま": (("島", "島の島"),),
    "じ": (("二", "二の二"), ("次", "次回の次"), ("治", "政治の治"), ("司", "司会の司")),
    "すけ": (("介", "紹介の介"), ("助", "助けるの助"), ("輔", "輔佐の輔")),
    "すず": (("鈴", "鈴の鈴"),),
    "た": (("田", "田んぼの田"), ("多", "多いの多"), ("太", "太いの太")),
    "たか": (("高", "高いの高"), ("隆", "隆起の隆"), ("孝", "孝行の孝"), ("貴", "貴重の貴")),
    "たけ": (("武", "武士の武"), ("竹", "竹の竹"), ("健", "健康の健")),
    "ただ": (("忠", "忠実の忠"), ("正", "正しいの正")),
    "たろう": (("太郎", "桃太郎の太郎"),),
    "ち": (("千", "千円の千"), ("智", "智恵の智"), ("知", "知るの知")),
    "つ": (("津", "津波の津"),),
    "と": (("斗", "北斗の斗"), ("登", "登るの登"), ("都", "都の都")),
    "とう": (("藤", "藤の花の藤"), ("東", "東の東")),
    "とし": (("利", "便利の利"), ("俊", "俊足の俊"), ("敏", "敏感の敏"), ("年", "年の年")),
    "とも": (("智", "智恵の智"), ("友", "友だちの友"), ("知", "知るの知")),
    "な": (("奈", "奈良の奈"), ("菜", "菜の花の菜"), ("名", "名前の名")),
    "なお": (("直", "素直の直"), ("尚", "高尚の尚")),
    "なか": (("中", "中の中"), ("仲", "仲間の仲")),
    "なが": (("長", "長いの長"), ("永", "永遠の永")),
    "の": (("野", "野原の野"), ("乃", "乃木坂の乃")),
    "のり": (("典", "辞典の典"), ("紀", "紀行の紀"), ("則", "規則の則")),
    "はし": (("橋", "橋の橋"),),
    "はな": (("花", "花の花"), ("華", "華やかの華")),
    "はま": (("浜", "浜辺の浜"),),
    "はら": (("原", "原っぱの原"),),
    "ひ": (("日", "日曜日の日"), ("比", "比べるの比")),
    "ひこ": (("彦", "彦星の彦"),),
    "ひで": (("秀", "優秀の秀"), ("英", "英語の英")),
    "ひろ": (("弘", "弘法の弘"), ("宏", "宏大の宏"), ("博", "博物館の博"), ("広", "広いの広")),
    "ふじ": (("藤", "藤の花の藤"), ("富士", "富士山の富士")),
    "べ": (("辺", "海辺の辺"), ("部", "部屋の部")),
    "ほ": (("保", "保育の保"), ("穂", "稲穂の穂")),
    "ま": (("真", "真心の真"), ("麻", "麻の麻"), ("間", "時間の間")),
    "まさ": (("正", "正しいの正"), ("雅", "優雅の雅"), ("昌", "昌平の昌")),
    "まつ": (("松", "松の木の松"),),
    "み": (("美", "美しいの美"), ("三", "三つの三"), ("実", "実るの実")),
    "みち": (("道", "道の道"),),
    "みつ": (("光", "光の光"), ("満", "満月の満")),
    "むら": (("村", "村の村"),),
    "もと": (("本", "本の本"), ("元", "元気の元")),
    "もり": (("森", "森の森"), ("守", "守るの守")),
    "や": (("哉", "快哉の哉"), ("矢", "矢印の矢")),
    "やす": (("康", "健康の康"), ("安", "安心の安"), ("靖", "靖国の靖")),
    "やま": (("山", "山の山"),),
    "ゆ": (("由", "自由の由"), ("友", "友だちの友")),
    "ゆう": (("優", "優しいの優"), ("裕", "裕福の裕"), ("雄", "英雄の雄"), ("祐", "祐筆の祐")),
    "ゆき": (("幸", "幸せの幸"), ("雪", "雪の雪")),
    "よ": (("代", "時代の代"), ("世", "世界の世"), ("与", "与えるの与")),
    "よし": (("吉", "吉野の吉"), ("良", "良いの良"), ("義", "正義の義"), ("芳", "芳香の芳")),
    "り": (("里", "里山の里"), ("理", "理科の理"), ("利", "便利の利")),
    "ろう": (("郎", "太郎の郎"), ("朗", "朗読の朗")),
    "わ": (("和", "平和の和"),),
    "わた": (("渡", "渡るの渡"),),
}
# A character after the first often takes the voiced sound (山田 やまだ, 長谷川 はせがわ):
# its voiced reading is offered too.
_VOICED = str.maketrans(
    "かきくけこさしすせそたちつてとはひふへほ", "がぎぐげござじずぜぞだぢづでどばびぶべぼ"
)


def _known() -> dict[str, tuple[KnownCharacter, ...]]:
    table: dict[str, list[KnownCharacter]] = {}
    for reading, characters in _TABLE.items():
        for character, word in characters:
            for sound in dict.fromkeys((reading, reading[0].translate(_VOICED) + reading[1:])):
                katakana = jaconv.hira2kata(sound)
                table.setdefault(katakana, []).append(KnownCharacter(katakana, character, word))
    return {reading: tuple(found) for reading, found in table.items()}


_KNOWN = _known()
LONGEST_READING = max(len(reading) for reading in _KNOWN)


def characters_starting(reading: str) -> list[KnownCharacter]:
    """The known characters whose reading the katakana `reading` starts with, the longest
    readings first (よし before よ for よしの)."""
    found: list[KnownCharacter] = []
    for length in range(min(LONGEST_READING, len(reading)), 0, -1):
        found.extend(_KNOWN.get(reading[:length], ()))
    return found
