"""Prompts in several languages, written for the token-margin measurement (no third-party text)."""
# ruff: noqa: RUF001 -- the prompts are meant to be in other scripts, full-width commas included.

from __future__ import annotations

WRITTEN: dict[str, list[str]] = {
    "english": [
        "Summarise the following customer review in two sentences, then say whether the customer "
        "would buy again. Review: I ordered the blue kettle on Monday and it arrived on Thursday, "
        "well packed. It boils a full litre in under three minutes and the lid no longer sticks "
        "like my old one did. The only complaint is the cable, which is shorter than I expected.",
        "You are a careful assistant. Read the contract clause below and list every obligation "
        "it places on the supplier, one per line, quoting the words that create it. If a duty "
        "depends on a condition, write the condition after a semicolon.\n\nClause 7.2: The "
        "Supplier shall deliver the Goods to the Premises within fourteen (14) days of the Order "
        "Date, unless otherwise agreed in writing, and shall notify the Buyer without delay of "
        "any event likely to delay delivery.",
    ],
    "chinese": [
        "请将下面的产品说明翻译成英文，并保持原有的段落结构。这款电热水壶采用食品级不锈钢内胆，"
        "容量为一点七升，三分钟内即可烧开一壶水。水烧开后会自动断电，防止干烧。壶底设有三百六十"
        "度旋转底座，左右手都能方便使用。",
        "根据以下会议记录，总结出三个主要决定和每个决定的负责人。会议于星期二上午十点开始，"
        "首先讨论了第三季度的销售数据。销售部认为新产品的推广需要更多预算，财务部同意在下个月"
        "追加百分之十五的费用。随后，技术部报告了系统迁移的进度，预计在十一月底之前完成。",
    ],
    "japanese": [
        "次の文章を読んで、筆者が最も伝えたいことを一文でまとめてください。朝早く起きて散歩を"
        "すると、一日の始まりがとても静かに感じられます。まだ人の少ない道を歩きながら、季節の"
        "変化に気づくことができるのは、忙しい生活の中で貴重な時間です。",
    ],
    "russian": [
        "Прочитайте следующий отзыв покупателя и определите, доволен ли он покупкой. Ответьте "
        "одним словом: «да» или «нет», а затем коротко объясните почему. Отзыв: чайник пришёл "
        "быстро, упаковка была целой. Воду кипятит за три минуты, крышка закрывается плотно, но "
        "шнур оказался короче, чем я ожидал.",
        "Составьте краткое резюме протокола собрания: перечислите принятые решения и назовите "
        "ответственных. Собрание началось во вторник в десять часов утра. Сначала обсуждали "
        "продажи за третий квартал; отдел продаж попросил увеличить бюджет на продвижение нового "
        "продукта, и финансовый отдел согласился добавить пятнадцать процентов со следующего месяца.",
    ],
    "german": [
        "Fassen Sie die folgende Kundenbewertung in zwei Sätzen zusammen und geben Sie an, ob der "
        "Kunde wieder kaufen würde. Bewertung: Der Wasserkocher wurde schnell geliefert und war "
        "gut verpackt. Er bringt einen Liter Wasser in weniger als drei Minuten zum Kochen, nur "
        "das Kabel ist kürzer, als ich erwartet hätte. Insgesamt bin ich sehr zufrieden.",
    ],
    "polish": [
        "Przeczytaj poniższą opinię klienta i odpowiedz jednym słowem, czy jest zadowolony z "
        "zakupu, a następnie krótko uzasadnij odpowiedź. Opinia: czajnik dotarł szybko i był "
        "dobrze zapakowany. Zagotowuje litr wody w niecałe trzy minuty, pokrywka się nie zacina, "
        "ale przewód okazał się krótszy, niż się spodziewałem. Ogólnie polecam.",
    ],
    "french": [
        "Résumez l'avis suivant en deux phrases et indiquez si le client rachèterait le produit. "
        "Avis : la bouilloire est arrivée rapidement et bien emballée. Elle fait bouillir un litre "
        "d'eau en moins de trois minutes ; seul le câble est un peu plus court que prévu. Je suis "
        "très satisfait de cet achat et je le recommande à mes proches.",
    ],
}
