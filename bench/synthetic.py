"""Synthetic articles for measuring the portal at the size of the whole archive.

``generate(count, seed)`` yields articles in the shape of the real ones: news
of a provincial Department of Information and Communications, written from
sentence templates and vocabulary of this domain (meetings, BTS stations,
bưu điện văn hóa xã, phần mềm một cửa, chuyển đổi số, giao ban báo chí,
document numbers, names, figures). The same seed always gives the same
articles, so benchmark runs can be compared.

How the text is stored, and why:

- ``raw_text`` is the file as a scraper would have saved it (headline,
  dateline, paragraphs, byline). About 5% of them are decomposed (NFD), as
  text decoded from Windows-1258 pages is.
- ``body`` is what the importer keeps: NFC, tone marks placed as the author
  wrote them. Many articles, mostly 2005-2010 ones, use the old placement
  (hoá, uỷ, thuỷ, kĩ), so the index's own normalization is exercised on
  every build. About 1% of bodies stay decomposed, as text pasted in the
  admin would be.
- About 3% are near-duplicates: an earlier story republished by another
  source a few days later, with a different lead and a sentence changed.

Every generated article has ``source_file`` ``synthetic/<n>``. A corpus
lives in a data folder of its own (``bench/data/<size>``), marked as such by
a file there; ``insert`` refuses to add to a database that holds articles
without that mark, i.e. to a real archive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import re
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from articles.text import collapse_spaces, unaccent

SOURCE_PREFIX = "synthetic/"
FIELD_CODES = ("buu-chinh", "vien-thong", "cntt", "bao-chi")
FIRST_YEAR, LAST_YEAR = 2005, 2024
HA_TAY_UNTIL = dt.date(2008, 7, 31)
# The departments were renamed from Bưu chính, Viễn thông in 2008.
RENAMED = dt.date(2008, 4, 1)

_DATA = Path(__file__).resolve().parents[1] / "articles" / "data"
MARKER = "SYNTHETIC-CORPUS"


class MixingRefused(Exception):
    """The data folder holds a real archive; synthetic articles must not join it."""


# -- vocabulary ----------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = _words(
    "Nguyễn Nguyễn Nguyễn Trần Trần Lê Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ "
    "Ngô Dương Lý Đinh Lương Trịnh Mai Tạ Hà Đoàn Lâm Cao Thái Chu La Triệu"
)
MIDDLE = _words(
    "Văn Văn Thị Thị Minh Đình Hữu Thanh Quốc Ngọc Xuân Đức Công Hồng Thu Kim Bá "
    "Trọng Quang Anh Thế Tiến Khắc Phương Mạnh Duy Hải Thúy Bích"
)
GIVEN = _words(
    "An Anh Bình Cường Dũng Dung Duy Đạt Điệp Đông Giang Hà Hải Hạnh Hiền Hiếu Hòa "
    "Hoàn Hùng Hưng Hương Huy Khánh Khoa Lan Liên Linh Long Lộc Mai Minh Nam Nga Ngân "
    "Nghĩa Ngọc Nhung Phong Phúc Phương Quân Quang Quyết Sơn Tâm Tân Thắng Thành Thảo "
    "Thịnh Thọ Thu Thủy Tiến Toàn Trang Trung Tuấn Tùng Tuyết Vân Việt Vinh Xuân Yến"
)
# Syllables that make up names of districts and communes: a long tail of rare words.
PLACE_SYLLABLES = _words(
    "An Bắc Bình Cẩm Cao Châu Chiêm Đại Điện Đông Gia Hải Hòa Hoàng Hồng Hưng Hương "
    "Kim Khánh Lạc Lâm Lập Long Lương Minh Mỹ Nam Nghĩa Ngọc Nhân Phú Phúc Phước "
    "Quang Quế Quỳnh Sơn Tam Tân Tây Thạch Thanh Thái Thăng Thiệu Thọ Thuận Thường "
    "Tiên Tiến Trà Trung Trường Tuy Vạn Vĩnh Xuân Yên Ea Krông Mường Nà Pác Bản Khe "
    "Đồng Cát Phù Lệ Hạ Mai Vân Diễn Hiệp Ninh Lộc Khê Thủy Đức Kỳ Hương Nghi Quỳ "
    "Tương Ngân Bồng"
)

OFFICIAL_TITLES = (
    "Giám đốc Sở",
    "Phó Giám đốc Sở",
    "Chánh Văn phòng Sở",
    "Chánh Thanh tra Sở",
    "Trưởng phòng Kế hoạch - Tài chính",
)
GUEST_TITLES = (
    "Phó Chủ tịch UBND tỉnh",
    "Phó Chủ tịch Thường trực UBND tỉnh",
    "Ủy viên Ban Thường vụ, Trưởng Ban Tuyên giáo Tỉnh ủy",
    "Phó Trưởng Ban Tuyên giáo Tỉnh ủy",
    "Thứ trưởng Bộ Thông tin và Truyền thông",
    "Phó Chủ tịch HĐND tỉnh",
)
DOC_KINDS = (
    ("QĐ-UBND", 0.35, True),
    ("KH-UBND", 0.15, False),
    ("NĐ-CP", 0.12, True),
    ("TT-BTTTT", 0.1, True),
    ("QĐ-TTg", 0.1, True),
    ("CT-TTg", 0.06, False),
    ("QĐ-STTTT", 0.07, False),
    ("NQ-CP", 0.05, True),
)
# Vocabulary with no field of its own, and each field's. An article draws on
# the neutral lists and on its own fields' lists only, so that its fields are
# what its text is about.
NEUTRAL = "-"
DOC_TOPICS = {
    NEUTRAL: (
        "quy định chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Sở",
        "về thủ tục hành chính theo cơ chế một cửa, một cửa liên thông",
        "ban hành Kế hoạch tuyên truyền cải cách hành chính",
        "về công tác thi đua, khen thưởng",
    ),
    "buu-chinh": ("phê duyệt Đề án phát triển bưu chính công ích",),
    "vien-thong": (
        "phê duyệt Quy hoạch hạ tầng kỹ thuật viễn thông thụ động đến năm 2020",
        "về quản lý và cung cấp dịch vụ Internet và thông tin trên mạng",
    ),
    "cntt": (
        "ban hành Quy chế quản lý, vận hành Cổng thông tin điện tử của tỉnh",
        "phê duyệt Kế hoạch ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước",
        "ban hành Quy chế bảo đảm an toàn, an ninh thông tin",
    ),
    "bao-chi": (
        "ban hành Quy chế phát ngôn và cung cấp thông tin cho báo chí",
        "phê duyệt Quy hoạch phát triển báo chí, xuất bản, in, phát hành",
    ),
}
MEETINGS = {
    NEUTRAL: (
        "Hội nghị tổng kết công tác năm {prev_year} và triển khai nhiệm vụ năm {year}",
        "Hội nghị sơ kết công tác 6 tháng đầu năm {year}",
        "buổi làm việc với các huyện, thành phố về tình hình thực hiện nhiệm vụ năm {year}",
        "Hội nghị triển khai Nghị định {doc_nd}",
        "Hội nghị cán bộ, công chức, viên chức năm {year}",
        "Lễ công bố quyết định bổ nhiệm Phó Giám đốc Sở",
    ),
    "buu-chinh": (
        "Hội nghị tập huấn nghiệp vụ bưu chính công ích",
        "buổi kiểm tra hoạt động chuyển phát tại {district}",
        "Lễ ký kết chương trình hợp tác với Tổng công ty Bưu điện Việt Nam",
    ),
    "vien-thong": (
        "Hội thảo giải pháp phát triển hạ tầng viễn thông vùng sâu, vùng xa",
        "buổi kiểm tra tình hình sử dụng tần số vô tuyến điện tại {district}",
        "Lễ ký kết chương trình hợp tác với {telco_group}",
    ),
    "cntt": (
        "Hội nghị tập huấn sử dụng phần mềm quản lý văn bản và điều hành",
        "Hội thảo xây dựng chính quyền điện tử cấp tỉnh",
        "Hội nghị tập huấn kỹ năng bảo đảm an toàn thông tin cho cán bộ chuyên trách CNTT",
    ),
    "bao-chi": (
        "Hội nghị giao ban báo chí quý {quarter} năm {year}",
        "Hội nghị tập huấn nghiệp vụ thông tin cơ sở cho đài truyền thanh cấp xã",
        "Hội thảo báo chí với sự nghiệp phát triển kinh tế - xã hội của tỉnh",
    ),
}
TELCO_GROUPS = (
    "Tập đoàn Bưu chính Viễn thông Việt Nam (VNPT)",
    "Tập đoàn Viễn thông Quân đội (Viettel)",
    "Tổng công ty Viễn thông MobiFone",
)

GENERIC = (
    "Tham dự hội nghị có đồng chí {guest}, {guest_title}; lãnh đạo các phòng, đơn vị "
    "trực thuộc Sở và đại diện lãnh đạo UBND các huyện, thị xã, thành phố trong tỉnh.",
    "Theo báo cáo, năm {prev_year} {dept_short} đã tham mưu cho UBND tỉnh ban hành {n_small} "
    "văn bản quy phạm pháp luật và {n_mid} văn bản chỉ đạo, điều hành thuộc lĩnh vực được giao.",
    "Phát biểu chỉ đạo tại hội nghị, đồng chí {guest} ghi nhận và biểu dương những kết quả "
    "mà tập thể cán bộ, công chức, viên chức của Sở đã đạt được trong thời gian qua.",
    "Đồng chí đề nghị Sở tiếp tục tham mưu cho Tỉnh ủy, UBND tỉnh các giải pháp phù hợp với "
    "điều kiện thực tế của địa phương, tăng cường phối hợp với các sở, ban, ngành và doanh "
    "nghiệp trên địa bàn.",
    "Thực hiện Quyết định số {doc_qd} của UBND tỉnh {doc_topic}, Sở đã chủ động xây dựng kế "
    "hoạch và triển khai đến các phòng, đơn vị.",
    "Công tác cải cách hành chính tiếp tục được quan tâm: Sở đã rà soát {n_mid} thủ tục hành "
    "chính, đề nghị bãi bỏ {n_small} thủ tục và đơn giản hóa {n_small} thủ tục không còn phù hợp.",
    "Công tác thi đua, khen thưởng được triển khai kịp thời; năm {prev_year} có {n_small} tập "
    "thể và {n_mid} cá nhân được UBND tỉnh tặng Bằng khen.",
    "Bên cạnh những kết quả đạt được, hội nghị cũng chỉ ra một số tồn tại, hạn chế như: đội "
    "ngũ cán bộ còn thiếu về số lượng, kinh phí đầu tư còn hạn hẹp, sự phối hợp giữa các cơ "
    "quan, đơn vị có lúc chưa chặt chẽ.",
    "Tại {district}, đoàn công tác do đồng chí {official}, {official_title} làm trưởng đoàn đã "
    "làm việc với lãnh đạo UBND huyện và phòng Văn hóa và Thông tin.",
    "Trong năm, Sở đã tiếp nhận và giải quyết {n_mid} hồ sơ thủ tục hành chính, trong đó "
    "{pct}% hồ sơ được giải quyết trước và đúng hạn.",
    "Lãnh đạo Sở cho biết, thời gian tới Sở sẽ tập trung kiện toàn tổ chức bộ máy, nâng cao "
    "chất lượng đội ngũ cán bộ và siết chặt kỷ luật, kỷ cương hành chính.",
    "Đồng chí {official}, {official_title} đã báo cáo tóm tắt kết quả thực hiện nhiệm vụ và "
    "trình bày phương hướng công tác trong thời gian tới.",
    "Công đoàn Sở đã tổ chức cho đoàn viên học tập, quán triệt Nghị quyết Trung ương {n_tiny} "
    "và phát động phong trào thi đua hoàn thành nhiệm vụ năm {year}.",
    "Năm {year}, Sở phấn đấu hoàn thành {pct}% chỉ tiêu kế hoạch được giao, trong đó tập trung "
    "vào các nhiệm vụ trọng tâm đã được UBND tỉnh phê duyệt.",
    "Hội nghị đã dành nhiều thời gian thảo luận, đóng góp ý kiến vào dự thảo chương trình công "
    "tác năm {year} và thống nhất các giải pháp thực hiện.",
    "Kết thúc buổi làm việc, hai bên đã thống nhất giao {district_short} chủ trì, phối hợp với "
    "các đơn vị liên quan hoàn thành báo cáo trước ngày {deadline}.",
    "Tổng kinh phí thực hiện các nhiệm vụ trong năm là {money} tỷ đồng, từ nguồn ngân sách "
    "tỉnh và vốn đối ứng của doanh nghiệp.",
)
FIELD_SENTENCES: dict[str, tuple[str, ...]] = {
    "buu-chinh": (
        "Mạng lưới bưu chính trên địa bàn tỉnh hiện có {n_mid} bưu cục, {n_mid} điểm bưu điện "
        "văn hóa xã và {n_big} đại lý bưu điện, bán kính phục vụ bình quân {km} km/điểm.",
        "Bưu điện tỉnh {province} đã triển khai dịch vụ tiếp nhận hồ sơ và trả kết quả giải "
        "quyết thủ tục hành chính qua dịch vụ bưu chính công ích tại {n_small} điểm.",
        "Doanh thu dịch vụ bưu chính, chuyển phát trên địa bàn đạt {money} tỷ đồng, tăng "
        "{pct_small}% so với cùng kỳ năm trước.",
        "Sở đã kiểm tra {n_small} doanh nghiệp cung ứng dịch vụ bưu chính, chuyển phát bưu "
        "phẩm, bưu kiện, qua đó chấn chỉnh các sai phạm về niêm yết giá cước.",
        "Hệ thống điểm bưu điện văn hóa xã ở {district} được nâng cấp, trang bị thêm sách "
        "báo và tủ sách pháp luật phục vụ người dân.",
        "Công tác quản lý tem bưu chính và mã bưu chính quốc gia được thực hiện đúng quy định "
        "của Bộ Thông tin và Truyền thông.",
        "Các doanh nghiệp bưu chính đã vận chuyển an toàn {n_big} bưu gửi trong dịp cao điểm "
        "Tết Nguyên đán, không để xảy ra tình trạng ùn tắc.",
    ),
    "vien-thong": (
        "Toàn tỉnh hiện có {n_big} trạm thu phát sóng di động (BTS), trong đó {n_mid} trạm "
        "{mobile_gen}, vùng phủ sóng đạt {pct}% dân cư.",
        "Số thuê bao điện thoại di động trên địa bàn đạt {n_huge} thuê bao, thuê bao Internet "
        "băng thông rộng đạt {n_big} thuê bao.",
        "Các doanh nghiệp viễn thông đã đầu tư thêm {n_mid} km cáp quang đến trung tâm các xã "
        "của {district}, góp phần nâng cao chất lượng dịch vụ.",
        "Sở đã phối hợp với Cục Tần số vô tuyến điện kiểm tra {n_small} đài phát, xử lý các "
        "trường hợp sử dụng tần số không có giấy phép.",
        "Công tác quản lý đại lý Internet và điểm truy nhập Internet công cộng được tăng cường, "
        "{n_small} đại lý vi phạm đã bị nhắc nhở, xử phạt.",
        "UBND tỉnh đã phê duyệt Quy hoạch hạ tầng kỹ thuật viễn thông thụ động, khuyến khích "
        "các doanh nghiệp dùng chung cột ăng-ten và cống bể cáp.",
        "{telco} đã hoàn thành lắp đặt {n_small} trạm BTS mới tại các xã vùng sâu, vùng xa của "
        "{district}, nơi trước đây chưa có sóng điện thoại.",
        "Việc chỉnh trang, ngầm hóa mạng cáp viễn thông trên các tuyến phố chính được triển khai "
        "theo kế hoạch của UBND tỉnh.",
    ),
    "cntt": (
        "Phần mềm quản lý văn bản và điều hành đã được triển khai tại {n_mid} cơ quan, đơn vị; "
        "tỷ lệ văn bản điện tử gửi nhận qua mạng đạt {pct}%.",
        "Phần mềm một cửa điện tử được đưa vào vận hành tại {district}, giúp người dân tra cứu "
        "tình trạng hồ sơ qua mạng.",
        "Cổng thông tin điện tử của tỉnh đã cung cấp {n_mid} dịch vụ công trực tuyến mức độ "
        "{service_level}, tiếp nhận {n_big} hồ sơ trực tuyến.",
        "Trung tâm tích hợp dữ liệu của tỉnh được đầu tư nâng cấp hệ thống máy chủ, lưu trữ và "
        "các giải pháp bảo đảm an toàn thông tin.",
        "Sở đã tổ chức {n_small} lớp đào tạo tin học cho {n_mid} cán bộ, công chức cấp xã về "
        "sử dụng thư điện tử và phần mềm dùng chung.",
        "Hệ thống hội nghị trực tuyến kết nối từ tỉnh đến {n_small} huyện, thành phố "
        "đã phục vụ {n_mid} cuộc họp, tiết kiệm đáng kể chi phí đi lại.",
        "{egov} là nhiệm vụ trọng tâm; tỉnh đã ban hành Kiến trúc {egov_lower} phiên bản "
        "{version}.",
        "Năm {prev_year}, tỉnh xếp thứ {rank}/63 về Chỉ số sẵn sàng cho phát triển và ứng dụng "
        "CNTT (Vietnam ICT Index).",
        "Chữ ký số chuyên dùng đã được cấp cho {n_mid} cán bộ lãnh đạo, bảo đảm giá trị pháp lý "
        "của văn bản điện tử.",
        "Đội ứng cứu sự cố an toàn thông tin mạng của tỉnh đã phát hiện và xử lý {n_small} sự "
        "cố mã độc trên các máy tính của cơ quan nhà nước.",
    ),
    "bao-chi": (
        "Hội nghị giao ban báo chí định kỳ được tổ chức hằng quý, cung cấp thông tin kịp thời "
        "cho {n_small} cơ quan báo chí Trung ương và địa phương.",
        "Sở đã đề nghị Bộ Thông tin và Truyền thông cấp {n_small} Thẻ nhà báo và cấp phép họp "
        "báo cho {n_tiny} cơ quan, đơn vị.",
        "Báo {province} và Đài Phát thanh và Truyền hình tỉnh đã phản ánh kịp thời các sự kiện "
        "chính trị, kinh tế, xã hội nổi bật của địa phương.",
        "Công tác quản lý hoạt động xuất bản, in và phát hành được tăng cường; Sở cấp {n_mid} "
        "giấy phép xuất bản bản tin, đặc san và tài liệu không kinh doanh.",
        "Hệ thống đài truyền thanh cấp xã tại {district} được đầu tư nâng cấp, góp phần nâng "
        "cao hiệu quả công tác thông tin cơ sở.",
        "Công tác thông tin đối ngoại được triển khai với {n_small} chuyên mục, tin bài giới "
        "thiệu tiềm năng, thế mạnh của tỉnh.",
        "Bản tin Điểm báo tổng hợp tình hình kinh tế, chính trị, xã hội được phát hành hằng "
        "tuần, phục vụ lãnh đạo tỉnh.",
        "Việc thực hiện Quy chế phát ngôn và cung cấp thông tin cho báo chí của các cơ quan "
        "hành chính nhà nước được kiểm tra, đánh giá định kỳ.",
    ),
}
# One short mention of a field that is not a field of the article.
PASSING = {
    "buu-chinh": "phối hợp với bưu điện",
    "vien-thong": "bảo đảm thông tin liên lạc qua điện thoại",
    "cntt": "ứng dụng tin học trong công việc",
    "bao-chi": "cung cấp thông tin cho báo chí",
}
FIELD_HEADLINES = {
    "buu-chinh": (
        "{province}: Nâng cao hiệu quả hoạt động của điểm bưu điện văn hóa xã",
        "Phát triển dịch vụ bưu chính công ích trên địa bàn tỉnh {province}",
        "{dept_short} {province} kiểm tra hoạt động chuyển phát",
    ),
    "vien-thong": (
        "{province}: Phát triển hạ tầng viễn thông thụ động",
        "{province} có thêm {n_mid} trạm BTS phủ sóng vùng sâu, vùng xa",
        "{dept_short} {province} kiểm tra đại lý Internet",
    ),
    "cntt": (
        "{province} đẩy mạnh ứng dụng công nghệ thông tin trong cơ quan nhà nước",
        "{province}: Triển khai phần mềm một cửa điện tử tại {district}",
        "{egov} tại {province}: kết quả và bài học",
    ),
    "bao-chi": (
        "{dept_short} {province} tổ chức giao ban báo chí quý {quarter}",
        "{province}: Nâng cao chất lượng hoạt động thông tin cơ sở",
        "Quản lý hoạt động xuất bản, in và phát hành tại {province}",
    ),
}
GENERIC_HEADLINES = (
    "{dept_short} {province} tổng kết công tác năm {prev_year}",
    "{dept_short} {province} sơ kết công tác 6 tháng đầu năm {year}",
    "Tin hoạt động của {dept_short} {province}",
    "{province}: Triển khai nhiệm vụ năm {year}",
    "{dept_short} {province} làm việc với {district}",
)

# The old tone placement on oa/oe/uy syllables (hoá, khoẻ, uỷ), and kĩ/lí.
_TONE_OLD = {
    "óa": "oá",
    "òa": "oà",
    "ỏa": "oả",
    "õa": "oã",
    "ọa": "oạ",
    "óe": "oé",
    "òe": "oè",
    "ỏe": "oẻ",
    "õe": "oẽ",
    "ọe": "oẹ",
    "úy": "uý",
    "ùy": "uỳ",
    "ủy": "uỷ",
    "ũy": "uỹ",
    "ụy": "uỵ",
}
_TONE_OLD_RE = re.compile(r"(?<![\w])(\w*?)(" + "|".join(_TONE_OLD) + r")(?!\w)", re.IGNORECASE)
_IY_OLD_RE = re.compile(r"(?<!\w)(k|l)(ỹ|ý)(?!\w)")


def old_tone_placement(text: str) -> str:
    """hóa → hoá, ủy → uỷ, kỹ → kĩ: how many older articles are written."""

    def move(match: re.Match) -> str:
        prefix, pair = match.group(1), match.group(2)
        if prefix[-1:].lower() == "q":  # quý: the u belongs to qu
            return match.group(0)
        old = _TONE_OLD[pair.lower()]
        if pair[0].isupper():
            old = old[0].upper() + old[1:]
        return prefix + old

    text = _TONE_OLD_RE.sub(move, text)
    return _IY_OLD_RE.sub(lambda m: m.group(1) + {"ỹ": "ĩ", "ý": "í"}[m.group(2)], text)


# -- generation -----------------------------------------------------------------


@dataclass(frozen=True)
class ProvinceInfo:
    slug: str
    name: str
    variants: tuple[str, ...]
    existed_until: dt.date | None


def load_provinces() -> list[ProvinceInfo]:
    """The 64 provinces of the reference data (Hà Tây included)."""
    rows = json.loads((_DATA / "provinces.json").read_text(encoding="utf-8"))
    return [
        ProvinceInfo(
            slug=row["slug"],
            name=row["name"],
            variants=tuple(row.get("variants") or ()),
            existed_until=dt.date.fromisoformat(row["existed_until"])
            if row.get("existed_until")
            else None,
        )
        for row in rows
    ]


@dataclass
class SyntheticArticle:
    number: int
    title: str
    body: str
    raw_text: str
    date: dt.date
    date_precision: str
    province: str  # slug
    fields: tuple[str, ...]
    byline: str
    source: str
    source_url: str
    near_duplicate_of: int | None = None
    flags: set[str] = field(default_factory=set)

    @property
    def source_file(self) -> str:
        return f"{SOURCE_PREFIX}{self.number}"

    @property
    def syllable_count(self) -> int:
        return len(self.title.split()) + len(self.body.split())

    def slug(self) -> str:
        base = slugify(unaccent(self.title))[:90].strip("-") or "bai-viet"
        return f"{base}-sx{self.number}"

    def fingerprint(self) -> str:
        # Cheap on purpose: folding 100,000 bodies would cost more than storing them.
        return hashlib.sha256(collapse_spaces(self.body).lower().encode()).hexdigest()


class _Writer:
    """Fills one article's templates from a seeded random generator."""

    def __init__(
        self, rng: random.Random, province: ProvinceInfo, date: dt.date, fields: tuple[str, ...]
    ) -> None:
        self.rng = rng
        self.fields = fields
        self.province = province
        self.date = date
        self.year = date.year
        self.renamed = date >= RENAMED
        self.districts = _districts(province.slug)
        self.official = self.person()
        self.guest = self.person()

    def own(self, vocabulary: dict[str, tuple[str, ...]]) -> list[str]:
        """The neutral entries and those of the article's own fields."""
        return [item for key in (NEUTRAL, *self.fields) for item in vocabulary[key]]

    def person(self) -> str:
        r = self.rng
        return f"{r.choice(SURNAMES)} {r.choice(MIDDLE)} {r.choice(GIVEN)}"

    def doc_number(self, kind: str | None = None) -> str:
        r = self.rng
        if kind is None:
            kinds = [k for k, _, _ in DOC_KINDS]
            kind = r.choices(kinds, weights=[w for _, w, _ in DOC_KINDS])[0]
        with_year = next((y for k, _, y in DOC_KINDS if k == kind), True)
        number = r.randint(1, 2500 if "UBND" in kind else 300)
        year = r.randint(max(2000, self.year - 6), self.year)
        day, month = r.randint(1, 28), r.randint(1, 12)
        dated = f" ngày {day}/{month}/{year}"
        return (f"{number}/{year}/{kind}" if with_year else f"{number}/{kind}") + dated

    def slot(self, name: str) -> str:
        r, year = self.rng, self.year
        if name == "province":
            # Now and then one of the spellings seen in the wild.
            if self.province.variants and r.random() < 0.08:
                return r.choice(self.province.variants)
            return self.province.name
        if name == "dept_short":
            return "Sở TT&TT" if self.renamed else "Sở BCVT"
        if name == "year":
            return str(year)
        if name == "prev_year":
            return str(year - 1)
        if name == "quarter":
            return r.choice(("I", "II", "III", "IV"))
        if name in {"guest", "official"}:
            return self.guest if name == "guest" else self.official
        if name == "guest_title":
            return r.choice(GUEST_TITLES)
        if name == "official_title":
            return r.choice(OFFICIAL_TITLES)
        if name == "district":
            return r.choice(self.districts)
        if name == "district_short":
            return "UBND " + r.choice(self.districts)
        if name == "doc_qd":
            return self.doc_number("QĐ-UBND")
        if name == "doc_nd":
            return self.doc_number("NĐ-CP").split(" ngày")[0] + " của Chính phủ"
        if name == "doc_topic":
            return r.choice(self.own(DOC_TOPICS))
        if name == "telco_group":
            return r.choice(TELCO_GROUPS)
        if name == "telco":
            return (
                r.choice(("VNPT", "Viettel", "MobiFone", "Vietnamobile")) + " " + self.province.name
            )
        if name == "mobile_gen":
            gens = ["2G"] + (["3G"] if year >= 2010 else []) + (["4G"] if year >= 2016 else [])
            return r.choice(gens + (["5G"] if year >= 2021 else []))
        if name == "egov":
            return "Xây dựng chính quyền điện tử" if year < 2019 else "Chuyển đổi số"
        if name == "egov_lower":
            return "chính quyền điện tử" if year < 2019 else "chính quyền số"
        if name == "service_level":
            return r.choice(("2", "3", "3, 4", "4"))
        if name == "version":
            return r.choice(("1.0", "2.0", "2.1"))
        if name == "rank":
            return str(r.randint(1, 63))
        if name == "deadline":
            return f"{r.randint(1, 28)}/{r.randint(1, 12)}/{year}"
        if name == "km":
            return f"{r.uniform(1.2, 6.5):.2f}".replace(".", ",")
        if name == "money":
            return f"{r.uniform(0.5, 350):.1f}".replace(".", ",")
        if name == "pct":
            return str(r.randint(60, 100))
        if name == "pct_small":
            return str(r.randint(2, 35))
        ranges = {"n_tiny": (2, 9), "n_small": (3, 60), "n_mid": (20, 400)}
        if name in ranges:
            return str(r.randint(*ranges[name]))
        if name == "n_big":
            return f"{r.randint(150, 9000):,}".replace(",", ".")
        if name == "n_huge":
            return f"{r.randint(100_000, 3_000_000):,}".replace(",", ".")
        raise KeyError(name)

    def fill(self, template: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda m: self.slot(m.group(1)), template)

    def dept_full(self) -> str:
        return "Sở Thông tin và Truyền thông" if self.renamed else "Sở Bưu chính, Viễn thông"


_DISTRICT_CACHE: dict[str, list[str]] = {}


def _districts(slug: str) -> list[str]:
    """Made-up districts of a province, the same on every run."""
    if slug not in _DISTRICT_CACHE:
        r = random.Random(f"districts-{slug}")
        names = []
        for _ in range(r.randint(7, 14)):
            a, b = r.sample(PLACE_SYLLABLES, 2)
            kind = r.choice(("huyện", "huyện", "huyện", "thị xã", "thành phố"))
            names.append(f"{kind} {a} {b}")
        _DISTRICT_CACHE[slug] = names
    return _DISTRICT_CACHE[slug]


def _pick_date(r: random.Random) -> tuple[dt.date, str]:
    # Later years have somewhat more articles, as the portals grew.
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    year = r.choices(years, weights=[1 + 0.08 * (y - FIRST_YEAR) for y in years])[0]
    precision = r.choices(("day", "month", "year"), weights=(70, 20, 10))[0]
    month = r.randint(1, 12)
    if precision == "day":
        return dt.date(year, month, r.randint(1, 28)), precision
    if precision == "month":
        return dt.date(year, month, 1), precision
    return dt.date(year, 1, 1), precision


def _pick_province(r: random.Random, provinces: list[ProvinceInfo], date: dt.date) -> ProvinceInfo:
    alive = [p for p in provinces if p.existed_until is None or date <= p.existed_until]
    # The two big cities publish more.
    weights = [3 if p.slug in {"ha-noi", "ho-chi-minh"} else 1 for p in alive]
    return r.choices(alive, weights=weights)[0]


def _pick_fields(r: random.Random) -> tuple[str, ...]:
    n = r.choices((0, 1, 2, 3, 4), weights=(8, 38, 30, 16, 8))[0]
    return tuple(sorted(r.sample(FIELD_CODES, n), key=FIELD_CODES.index))


def _paragraphs(w: _Writer, fields: tuple[str, ...], target: int) -> list[str]:
    r = w.rng
    meeting = w.fill(r.choice(w.own(MEETINGS)))
    lead_date = w.date
    lead = (
        f"Ngày {lead_date.day}/{lead_date.month}/{lead_date.year}, {w.dept_full()} "
        f"{w.slot('province')} đã tổ chức {meeting}."
    )
    if r.random() < 0.4:
        lead = f"Vừa qua, {w.dept_full()} tỉnh {w.slot('province')} đã tổ chức {meeting}."
    paragraphs = [lead]
    count = len(lead.split())
    passing = [c for c in FIELD_CODES if c not in fields]
    while count < target:
        sentences = []
        for _ in range(r.randint(2, 5)):
            if fields and r.random() < 0.6:
                template = r.choice(FIELD_SENTENCES[r.choice(fields)])
            else:
                template = r.choice(GENERIC)
            sentence = w.fill(template)
            if passing and r.random() < 0.04:
                code = passing.pop(r.randrange(len(passing)))
                sentence = sentence.rstrip(".") + f", đồng thời {PASSING[code]}."
            sentences.append(sentence)
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return paragraphs


def _title(w: _Writer, fields: tuple[str, ...]) -> str:
    r = w.rng
    if fields and r.random() < 0.7:
        return w.fill(r.choice(FIELD_HEADLINES[r.choice(fields)]))
    return w.fill(r.choice(GENERIC_HEADLINES))


def _source(r: random.Random, province: ProvinceInfo, title: str, number: int) -> tuple[str, str]:
    if r.random() < 0.35:
        return "mic.gov.vn", f"https://mic.gov.vn/tin-tuc/{number}.htm"
    host = f"stttt.{province.slug.replace('-', '')}.gov.vn"
    return host, f"https://{host}/tin-tuc/{slugify(unaccent(title))[:60]}-{number}.html"


def _scraped_text(title: str, dateline: str, paragraphs: list[str], byline: str, mic: bool) -> str:
    lines = [title, "", dateline, ""]
    if mic:
        lines += ["(Mic.gov.vn) - " + paragraphs[0], ""]
        rest = paragraphs[1:]
    else:
        rest = paragraphs
    for paragraph in rest:
        lines += [paragraph, ""]
    if byline:
        lines.append(byline)
    return "\n".join(lines) + "\n"


def _dateline(date: dt.date, precision: str, r: random.Random) -> str:
    if precision == "day":
        if r.random() < 0.5:
            hour, minute = r.randint(7, 17), r.randint(0, 59)
            return f"{date.day:02d}/{date.month:02d}/{date.year} {hour}:{minute:02d}"
        return (
            f"{date.month}/{date.day}/{date.year} {r.randint(1, 11)}:{r.randint(0, 59):02d}:00 AM"
        )
    if precision == "month":
        return f"Tháng {date.month}/{date.year}"
    return f"Năm {date.year}"


def _near_duplicate(
    r: random.Random, original: SyntheticArticle, number: int, provinces: dict[str, ProvinceInfo]
) -> SyntheticArticle:
    """The same story republished elsewhere a few days later, lightly edited."""
    province = provinces[original.province]
    paragraphs = original.body.split("\n\n")
    i = r.randrange(len(paragraphs))
    sentences = paragraphs[i].split(". ")
    sentences[r.randrange(len(sentences))] = "Theo đánh giá của Sở, kết quả này còn khiêm tốn"
    paragraphs[i] = ". ".join(sentences)
    if original.source == "mic.gov.vn":
        source, url = _source(random.Random(number), province, original.title, number)
        if source == "mic.gov.vn":
            source, url = f"{province.slug}.gov.vn", f"https://{province.slug}.gov.vn/tin/{number}"
    else:
        source, url = "mic.gov.vn", f"https://mic.gov.vn/tin-tuc/{number}.htm"
    title = original.title
    if r.random() < 0.5 and not title.startswith(province.name):
        title = f"{province.name}: {title}"
    date = original.date
    if original.date_precision == "day":
        date = date + dt.timedelta(days=r.randint(0, 3))
    body = "\n\n".join(paragraphs)
    raw = _scraped_text(title, _dateline(date, original.date_precision, r), paragraphs, "", True)
    return SyntheticArticle(
        number=number,
        title=title,
        body=body,
        raw_text=raw,
        date=date,
        date_precision=original.date_precision,
        province=original.province,
        fields=original.fields,
        byline="",
        source=source,
        source_url=url,
        near_duplicate_of=original.number,
        flags={"near-duplicate"},
    )


def make_article(
    number: int, seed: int = 1, provinces: list[ProvinceInfo] | None = None
) -> SyntheticArticle:
    """Article number ``number`` of the corpus of ``seed``: a pure function of both."""
    provinces = provinces or _default_provinces()
    r = random.Random(f"{seed}-{number}")
    if number > 1 and r.random() < 0.03:
        original = make_article(max(1, number - r.randint(1, 200)), seed, provinces)
        return _near_duplicate(r, original, number, {p.slug: p for p in provinces})
    date, precision = _pick_date(r)
    province = _pick_province(r, provinces, date)
    fields = _pick_fields(r)
    w = _Writer(r, province, date, fields)
    target = r.randint(600, 1450)
    title = _title(w, fields)
    paragraphs = _paragraphs(w, fields, target - len(title.split()))
    byline_kind = r.random()
    if byline_kind < 0.5:
        byline = f"{w.person()} – {w.slot('dept_short')} {province.name}"
    elif byline_kind < 0.75:
        byline = w.person()
    else:
        byline = ""
    flags: set[str] = set()
    # Older articles mostly place tone marks the old way, some later ones too.
    if r.random() < (0.6 if date.year <= 2010 else 0.12):
        title = old_tone_placement(title)
        paragraphs = [old_tone_placement(p) for p in paragraphs]
        flags.add("old-tones")
    source, url = _source(r, province, title, number)
    raw = _scraped_text(
        title, _dateline(date, precision, r), paragraphs, byline, source == "mic.gov.vn"
    )
    body = "\n\n".join(paragraphs)
    if r.random() < 0.05:
        raw = unicodedata.normalize("NFD", raw)
        flags.add("nfd-raw")
        if r.random() < 0.2:
            body = unicodedata.normalize("NFD", body)
            flags.add("nfd-body")
    return SyntheticArticle(
        number=number,
        title=title,
        body=body,
        raw_text=raw,
        date=date,
        date_precision=precision,
        province=province.slug,
        fields=fields,
        byline=byline,
        source=source,
        source_url=url,
        flags=flags,
    )


_PROVINCES: list[ProvinceInfo] = []


def _default_provinces() -> list[ProvinceInfo]:
    if not _PROVINCES:
        _PROVINCES.extend(load_provinces())
    return _PROVINCES


def generate(count: int, seed: int = 1, start: int = 1) -> Iterator[SyntheticArticle]:
    """Articles ``start`` .. ``start + count - 1``; the same seed, the same articles."""
    for number in range(start, start + count):
        yield make_article(number, seed)


def _chunk(args: tuple[int, int, int]) -> list[SyntheticArticle]:
    start, count, seed = args
    return list(generate(count, seed=seed, start=start))


def generate_parallel(
    count: int, seed: int = 1, start: int = 1, workers: int = 2, chunk: int = 500
) -> Iterator[SyntheticArticle]:
    """``generate`` spread over processes, in the same order."""
    jobs = [(s, min(chunk, start + count - s), seed) for s in range(start, start + count, chunk)]
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield from _chunk(job)
        return
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        for articles in pool.imap(_chunk, jobs):
            yield from articles


# -- the database ---------------------------------------------------------------


def ensure_scratch(data_dir: Path) -> None:
    """Mark ``data_dir`` as a synthetic corpus's, unless it holds a real archive."""
    from articles.models import Article

    marker = Path(data_dir) / MARKER
    if marker.exists():
        return
    if Article.objects.exists():
        raise MixingRefused(f"{data_dir} holds articles and is not a synthetic corpus's folder")
    marker.write_text(
        "A synthetic corpus for the benchmark (bench/synthetic.py), not an archive.\n"
    )


def next_number() -> int:
    """Numbers continue after the synthetic articles already stored."""
    from articles.models import Article

    numbers = Article.objects.filter(source_file__startswith=SOURCE_PREFIX).values_list(
        "source_file", flat=True
    )
    return max((int(s[len(SOURCE_PREFIX) :]) for s in numbers), default=0) + 1


@dataclass
class InsertReport:
    ids: list[int] = field(default_factory=list)
    seconds: float = 0.0  # generation and database together
    db_seconds: float = 0.0  # building the rows and inserting them

    @property
    def db_rate(self) -> float:
        return len(self.ids) / self.db_seconds if self.db_seconds else 0.0

    @property
    def rate(self) -> float:
        return len(self.ids) / self.seconds if self.seconds else 0.0


def insert(
    count: int,
    *,
    data_dir: Path,
    seed: int = 1,
    batch_size: int = 1000,
    workers: int = 2,
    progress=None,
) -> InsertReport:
    """Store ``count`` synthetic articles with bulk inserts into ``data_dir``'s database.

    Bulk inserts send no signals, so nothing reaches the index queue: build
    the index afterwards (``manage.py build_index``).
    """
    from articles.models import Article, IctField, Province

    ensure_scratch(data_dir)
    province_ids = dict(Province.objects.values_list("slug", "pk"))
    field_ids = dict(IctField.objects.values_list("code", "pk"))
    through = Article.fields.through
    start = next_number()
    report = InsertReport()
    batch: list[SyntheticArticle] = []
    started = time.perf_counter()

    def flush() -> None:
        db_started = time.perf_counter()
        rows = [
            Article(
                title=a.title,
                slug=a.slug(),
                body=a.body,
                date=a.date,
                date_precision=a.date_precision,
                province_id=province_ids[a.province],
                byline=a.byline,
                source=a.source,
                source_url=a.source_url,
                source_file=a.source_file,
                raw_text=a.raw_text,
                fingerprint=a.fingerprint(),
            )
            for a in batch
        ]
        with transaction.atomic():
            created = Article.objects.bulk_create(rows)
            links = [
                through(article_id=row.pk, ictfield_id=field_ids[code])
                for row, a in zip(created, batch, strict=True)
                for code in a.fields
            ]
            through.objects.bulk_create(links)
        report.ids.extend(row.pk for row in created)
        report.db_seconds += time.perf_counter() - db_started
        if progress:
            progress(len(batch))
        batch.clear()

    for article in generate_parallel(count, seed=seed, start=start, workers=workers):
        batch.append(article)
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    report.seconds = time.perf_counter() - started
    return report
