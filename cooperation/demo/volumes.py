"""What the demo country looks like: who adopts what, how fast, how often, and the words it uses."""

from cooperation.models import Activity, Referral, Stage

DEMO_USERNAME = "demo-data"
DEMO_DISPLAY_NAME = "デモデータ（自動生成）"

# The demo accounts' organisations always get a rich history (see offices.services.DEMO_ACCOUNTS).
FEATURED = {
    "012033": "city",  # 小樽市
    "012025": "city",  # 函館市
    "011002": "designated_city",  # 札幌市
    "010006": "prefecture",  # 北海道庁
}
FEATURED_PLAN = {
    "0-1": Stage.ESTABLISHED,
    "1-1": Stage.ESTABLISHED,
    "1-2": Stage.DONE,
    "2-1": Stage.ARRANGING,
    "2-2": Stage.ESTABLISHED,
    "2-3": Stage.DONE,
    "2-4": Stage.CONSIDERING,
    "2-5": Stage.NOT_FEASIBLE,
    "3-1": Stage.NOT_STARTED,
    "3-2": Stage.DONE,
}

# How far each kind of local government tends to go, and how hard each item is.
KIND_PROPENSITY = {
    "prefecture": 1.0,
    "designated_city": 0.95,
    "special_ward": 0.8,
    "city": 0.68,
    "town": 0.55,
    "village": 0.45,
}
ITEM_EASE = {
    "0-1": 1.4,
    "1-2": 1.0,
    "1-1": 0.95,
    "2-2": 0.9,
    "2-1": 0.8,
    "2-3": 0.75,
    "2-4": 0.65,
    "3-2": 0.6,
    "2-5": 0.55,
    "3-1": 0.45,
}
# A progress's drive z = ease × noise reaches 検討中, 調整中, 実施 and 定着 at these values.
RUNGS = (0.2, 0.34, 0.47, 0.75)
# Activities a year per adopted item, for a local government of each kind (× --scale).
KIND_ACTIVITY = {
    "prefecture": 2.0,
    "designated_city": 3.0,
    "special_ward": 1.4,
    "city": 1.1,
    "town": 0.75,
    "village": 0.6,
}
ITEM_ACTIVITY = {
    "2-2": 6.6,
    "1-1": 2.2,
    "2-1": 2.0,
    "1-2": 1.6,
    "2-4": 1.2,
    "3-1": 0.7,
    "3-2": 0.8,
    "2-5": 0.6,
    "0-1": 1.0,
}
# Referrals a year once 2-3 is adopted (× --scale).
KIND_REFERRALS = {
    "prefecture": 6.0,
    "designated_city": 30.0,
    "special_ward": 10.0,
    "city": 6.5,
    "town": 2.5,
    "village": 1.5,
}
CHURN_PER_YEAR = 0.1  # step-back-and-recover cycles a year for a progress that has moved (× --scale)

REASONS = {
    "0-1": ["管内市町村への周知時期を調整中のため"],
    "1-1": ["職員研修の日程に空きがないため", "説明会の対象者を確保できないため"],
    "1-2": ["広報誌の紙面に余裕がないため"],
    "2-1": ["行政相談委員との日程調整がつかないため", "職員体制が整わないため"],
    "2-2": ["会場の確保が困難なため", "相談窓口の人員が不足しているため"],
    "2-3": ["回付の手順を庁内で定められていないため", "相談窓口の体制が整わないため"],
    "2-4": ["防災担当部署との調整がつかないため", "地域防災計画の改定を待っているため"],
    "2-5": ["チャットボット導入の予算が確保できないため", "庁内のシステム方針が未定のため"],
    "3-1": ["苦情相談員を置いていないため", "苦情相談員の兼務について本人の同意が得られないため"],
    "3-2": ["表彰規程の改正予定がないため", "表彰の選定基準の見直しに時間を要するため"],
}
NOTES = {
    Stage.CONSIDERING: ["庁内関係課と協議を開始", "担当課で対応を検討", ""],
    Stage.ARRANGING: ["センターと日程を調整中", "実施方法をセンターと協議中", ""],
    Stage.DONE: ["", "初回を実施"],
    Stage.ESTABLISHED: ["定期的な実施が定着", "年間計画に位置付け"],
}
REGRESSION_NOTES = ["担当者の異動により再調整", "予算措置が見送られたため休止", "実施方法を見直し中"]
RESUME_NOTES = ["体制が整ったため検討を再開", "首長の指示により再検討"]

ITEM_KINDS = {
    "0-1": [(Activity.Kind.OTHER, 1)],
    "1-1": [(Activity.Kind.BRIEFING, 1)],
    "1-2": [(Activity.Kind.PR_ARTICLE, 1)],
    "2-1": [(Activity.Kind.EXCHANGE_MEETING, 1)],
    "2-2": [(Activity.Kind.JOINT_SESSION, 3), (Activity.Kind.VENUE, 1)],
    "2-4": [(Activity.Kind.DISASTER, 1)],
    "2-5": [(Activity.Kind.OTHER, 1)],
    "3-1": [(Activity.Kind.RECOMMENDATION, 1)],
    "3-2": [(Activity.Kind.AWARD, 1)],
}
PLACES = ["公民館", "市民センター", "総合支所", "図書館会議室", "コミュニティセンター", "庁舎会議室"]
HEADS = {
    "prefecture": "知事",
    "designated_city": "市長",
    "city": "市長",
    "special_ward": "区長",
    "town": "町長",
    "village": "村長",
}
TOPICS = [
    (Referral.Topic.PENSION, 20, ["日本年金機構", "厚生労働省"]),
    (Referral.Topic.ROADS, 15, ["国土交通省（国道事務所）", "国土交通省（河川事務所）"]),
    (Referral.Topic.HEALTH, 12, ["厚生労働省（地方厚生局）"]),
    (Referral.Topic.TAX, 10, ["国税庁（税務署）"]),
    (Referral.Topic.LABOUR, 10, ["厚生労働省（労働基準監督署）", "厚生労働省（ハローワーク）"]),
    (Referral.Topic.REGISTRY, 10, ["法務省（法務局）"]),
    (Referral.Topic.TRANSPORT, 6, ["国土交通省（運輸支局）", "総務省（総合通信局）"]),
    (Referral.Topic.AGRICULTURE, 5, ["農林水産省（農政局）"]),
    (Referral.Topic.POSTAL, 5, ["日本郵便株式会社"]),
    (Referral.Topic.DISASTER, 2, ["内閣府（防災担当）"]),
    (Referral.Topic.OTHER, 5, ["各府省"]),
]
TOPIC_SUMMARIES = {
    Referral.Topic.PENSION: [
        "年金の受給資格期間の計算について、窓口では判断できないため回付",
        "年金の振込額の変更理由を知りたいとの相談",
    ],
    Referral.Topic.ROADS: ["国道の歩道の段差が危険との相談", "一級河川の堤防の草刈りの時期についての要望"],
    Referral.Topic.HEALTH: ["医療費の自己負担割合の判定についての相談", "介護保険の国の基準についての問い合わせ"],
    Referral.Topic.TAX: ["相続税の申告手続についての相談", "確定申告の還付が遅いとの相談"],
    Referral.Topic.LABOUR: ["雇用保険の給付期間についての相談", "最低賃金を下回る雇用についての相談"],
    Referral.Topic.REGISTRY: ["相続登記の義務化についての問い合わせ", "地図と現況が異なる土地の登記についての相談"],
    Referral.Topic.TRANSPORT: [
        "路線バスの減便に関する国の補助制度についての相談",
        "携帯電話の不感地域の解消についての要望",
    ],
    Referral.Topic.AGRICULTURE: ["農地転用の許可基準についての相談", "鳥獣被害対策の国の交付金についての問い合わせ"],
    Referral.Topic.POSTAL: ["郵便ポストの撤去についての相談", "郵便局の窓口時間短縮についての要望"],
    Referral.Topic.DISASTER: ["被災住宅の応急修理制度についての相談"],
    Referral.Topic.OTHER: ["国の制度の窓口が分からないとの相談"],
}
OUTCOMES = [
    (Referral.Outcome.RESOLVED, 55),
    (Referral.Outcome.PASSED_TO_AGENCY, 30),
    (Referral.Outcome.OUTSIDE_SCOPE, 10),
    (Referral.Outcome.WITHDRAWN, 5),
]
