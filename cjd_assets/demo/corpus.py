"""A synthetic, labelled corpus of Chinese job postings for the offline demo.

The demo must run on a fresh clone with no internet and no real data, so it generates its own
postings: realistic titles, bodies and field strings in the shapes the real boards use (see
shared/data/real_postings/VALUE_SHAPES.md), with the label the annotation guideline would give.

Class shares are deliberately richer in AI categories than the study (TT1 14 %, TT2 14 %,
PRODUCT 10 %, COMMERCIAL 12 %, NOT_AI 50 %, against the study's 69 % Not AI): a corpus of a few
hundred postings needs enough examples of each AI team to train and evaluate a classifier.

Release dates are written as a 2021 crawl would show them ('03-15发布', '3天前', '2021-03-15'); the
relative ones resolve against the harvest's retrieve date. About 2 % of postings are deliberately
awkward (empty salary, junk location, a neighbouring field in the education slot) so the null and
flag paths downstream get exercised.

All text here is written for this module; nothing is copied from the real postings.
"""

from __future__ import annotations

import json
import random
from bisect import bisect_right
from typing import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

LABEL_SHARES: dict[str, float] = {"TT1": 0.14, "TT2": 0.14, "PRODUCT": 0.10, "COMMERCIAL": 0.12, "NOT_AI": 0.50}
BOARD_SHARES: dict[str, float] = {"51job": 0.70, "liepin": 0.30}

CORPUS_COLUMNS: tuple[str, ...] = (
    "posting_uid", "board", "job_id", "city_slug", "title", "company", "company_info", "body",
    "salary_text", "location_text", "education_text", "experience_text", "release_date_text",
    "label", "url_variants",
)
ANNOTATION_POSTING_COLUMNS: tuple[str, ...] = (
    "uid", "source_board", "title", "company", "body", "salary_text", "location_text",
    "education_text", "experience_text", "release_date_text", "url",
)

# --------------------------------------------------------------------------------------------
# Cities: slug as in 51job URLs -> (display name, districts, weight). Big cities dominate as on
# the real boards; a few small ones keep the long tail.
CITIES: dict[str, tuple[str, tuple[str, ...], float]] = {
    "shanghai": ("上海", ("浦东新区", "徐汇区", "闵行区", "杨浦区", "长宁区", "嘉定区", "静安区", "松江区"), 18),
    "beijing": ("北京", ("海淀区", "朝阳区", "昌平区", "大兴区", "东城区", "丰台区", "通州区"), 16),
    "shenzhen": ("深圳", ("南山区", "福田区", "宝安区", "龙岗区", "龙华区", "罗湖区"), 14),
    "guangzhou": ("广州", ("天河区", "番禺区", "黄埔区", "海珠区", "白云区", "越秀区"), 10),
    "hangzhou": ("杭州", ("滨江区", "西湖区", "余杭区", "萧山区", "拱墅区"), 8),
    "nanjing": ("南京", ("江宁区", "鼓楼区", "雨花台区", "建邺区", "玄武区"), 5),
    "chengdu": ("成都", ("高新区", "武侯区", "锦江区", "双流区", "成华区"), 5),
    "wuhan": ("武汉", ("洪山区", "江夏区", "东湖新技术开发区", "武昌区", "汉阳区"), 5),
    "suzhou": ("苏州", ("工业园区", "吴中区", "相城区", "昆山市", "虎丘区"), 5),
    "xian": ("西安", ("雁塔区", "未央区", "长安区", "高新技术产业开发区"), 3),
    "jiujiang": ("九江", ("濂溪区", "浔阳区", "经济技术开发区"), 1),
    "ningbo": ("宁波", ("鄞州区", "江北区", "北仑区", "海曙区"), 2),
    "dongguan": ("东莞", ("松山湖", "长安镇", "虎门镇", "南城区"), 3),
    "tianjin": ("天津", ("滨海新区", "南开区", "西青区", "河西区"), 2),
    "chongqing": ("重庆", ("渝北区", "江北区", "九龙坡区", "沙坪坝区"), 2),
    "hefei": ("合肥", ("蜀山区", "包河区", "高新区", "经济技术开发区"), 2),
    "xiamen": ("厦门", ("思明区", "湖里区", "集美区"), 1),
    "foshan": ("佛山", ("顺德区", "南海区", "禅城区"), 2),
}

# --------------------------------------------------------------------------------------------
# Role families. Each family is a set of titles sharing duties, requirements and pay.
# {t} in a phrase is replaced by one of the family's English terms (bilingual postings are common).


@dataclass(frozen=True)
class _Family:
    name: str
    label: str
    weight: float  # share within its label
    titles: tuple[str, ...]
    duties: tuple[str, ...]
    reqs: tuple[str, ...]
    terms: tuple[str, ...]
    firms: str  # key of _FIRMS
    pay: tuple[float, float]  # lower bound of monthly pay, thousand yuan
    edu: str  # key of _EDU
    ai_share: float = 0.0  # chance a posting mentions an AI keyword outside the family's own text


_F = _Family
# A few vague titles (工程师, 技术员, 专员, 助理) sit in several families: the duties decide, as in the
# guideline (title first, body when the title is vague).
FAMILIES: tuple[_Family, ...] = (
    # ---------------- TT1
    _F("algo", "TT1", 0.20,
       ("算法工程师", "机器学习算法工程师", "深度学习算法工程师", "计算机视觉算法工程师@cv", "NLP算法工程师@nlp",
        "自然语言处理工程师@nlp", "推荐算法工程师@rec", "图像算法工程师@cv", "语音识别算法工程师@asr", "AI算法研究员",
        "搜索算法工程师@rec", "人脸识别算法工程师@cv", "算法实习生"),
       ("cv@负责计算机视觉相关算法的研发与优化，包括目标检测、图像分割与人脸识别",
        "cv@负责图像增强、OCR识别等视觉算法在安防与工业质检场景的落地",
        "nlp@参与自然语言处理模型的设计与训练，支撑智能问答和文本分类业务",
        "nlp@负责命名实体识别、关系抽取及大规模预训练语言模型的微调",
        "rec@基于海量用户行为数据构建推荐模型，持续提升点击率与转化率",
        "rec@负责召回、粗排、精排等搜索推荐链路的算法迭代",
        "asr@负责语音识别与语音合成模型的训练、调优与工程化",
        "跟踪深度学习领域前沿进展，将新方法落地到实际产品中",
        "负责机器学习模型的特征工程、训练、评估与线上部署",
        "优化模型推理性能，完成模型压缩、量化及在端侧设备上的部署",
        "与产品和工程团队协作，将AI能力封装为稳定可用的服务",
        "搭建并维护算法实验平台，建立完善的离线与在线评估体系",
        "利用监督学习与无监督学习方法挖掘业务数据中的规律"),
       ("计算机、数学、统计或相关专业，硕士及以上学历优先",
        "熟练掌握{t}，熟悉至少一种主流深度学习框架",
        "扎实的机器学习理论基础，熟悉常见的分类、聚类与回归算法",
        "有CV或NLP方向的实际项目经验，在顶级会议发表论文者优先",
        "具备良好的编程能力，熟悉Linux开发环境与C++/Python",
        "熟悉大规模分布式训练者优先",
        "参加过Kaggle等数据竞赛并取得优异成绩者优先"),
       ("PyTorch", "TensorFlow", "Python", "OpenCV", "Transformer", "CUDA", "Spark MLlib", "BERT"),
       "tech", (15, 35), "high", 0.9),
    _F("backend", "TT1", 0.30,
       ("Java开发工程师", "高级Java工程师", "C++开发工程师", "Python开发工程师", "Go开发工程师",
        "后端开发工程师", "PHP开发工程师", ".NET开发工程师", "服务端开发工程师", "软件工程师",
        "Android开发工程师@mobile", "iOS开发工程师@mobile", "嵌入式软件工程师@emb", "游戏开发工程师@game",
        "全栈工程师（偏后端）", "Java实习生", "Unity3D开发工程师@game", "单片机软件工程师@emb",
        "工程师"),
       ("负责公司核心业务系统的后端设计、开发与维护",
        "参与需求分析和技术方案评审，编写高质量、可维护的代码",
        "负责服务端接口开发，保障系统的高可用与高并发性能",
        "参与微服务架构的拆分与治理，持续优化系统性能",
        "负责订单、支付、会员等业务模块的设计与开发",
        "mobile@负责移动端App的功能开发与性能调优",
        "mobile@与后端协作完成接口联调，解决机型兼容性问题",
        "emb@负责嵌入式设备的驱动开发与底层软件调试",
        "emb@负责单片机或ARM平台上的固件开发与通信协议实现",
        "game@负责游戏客户端玩法逻辑与战斗系统的开发",
        "game@优化游戏渲染效率与内存占用",
        "编写技术文档与单元测试，参与代码评审",
        "排查和解决线上问题，保障业务系统稳定运行"),
       ("计算机相关专业本科及以上学历",
        "熟练掌握{t}，具有扎实的编程基础",
        "熟悉MySQL、Redis等常用数据库及缓存中间件",
        "熟悉Spring Boot、Spring Cloud等开发框架者优先",
        "熟悉多线程、网络编程及常用设计模式",
        "有大型互联网项目开发经验者优先",
        "熟悉Git版本管理工具和Linux常用命令"),
       ("Java", "C++", "Python", "Golang", "PHP", "C#", "Spring Boot", "Kafka", "mobile@Kotlin", "mobile@Swift",
        "mobile@Flutter", "emb@C语言", "emb@RTOS", "game@Unity3D", "game@Cocos"),
       "tech", (8, 25), "mid", 0.08),
    _F("data", "TT1", 0.20,
       ("大数据开发工程师", "数据仓库工程师@dw", "数据挖掘工程师@dm", "数据工程师", "ETL开发工程师@dw",
        "数据分析师（建模方向）@dm", "数据科学家@dm", "统计建模分析师@dm", "Hadoop开发工程师"),
       ("负责大数据平台的搭建、开发与运维，支撑公司各业务线的数据需求",
        "dw@设计并实现数据仓库分层模型，开发ETL任务并保证数据质量",
        "dw@梳理数据口径，建设指标体系与数据服务接口",
        "dm@运用统计模型与机器学习方法进行用户画像、风险识别等数据挖掘工作",
        "dm@基于业务数据建立预测模型，输出分析结论与策略建议",
        "dm@设计A/B实验并评估策略效果",
        "负责实时计算任务的开发与优化",
        "负责数据采集、清洗与存储链路的建设"),
       ("统计学、数学、计算机等相关专业",
        "熟悉{t}等大数据组件，有实际开发经验",
        "精通SQL，熟悉Python或R进行数据建模",
        "了解常用数据挖掘算法，如决策树、逻辑回归、聚类等",
        "具有较强的逻辑思维和业务理解能力"),
       ("Hadoop", "Spark", "Hive", "Flink", "Kafka", "SQL", "Python", "ClickHouse"),
       "tech", (10, 25), "high", 0.25),
    _F("ops", "TT1", 0.15,
       ("运维工程师", "系统运维工程师", "DevOps工程师", "SRE工程师", "网络工程师@net", "系统管理员",
        "数据库管理员（DBA）@dba", "Linux运维工程师", "云平台运维工程师"),
       ("负责公司服务器、网络及云平台的日常运维与监控",
        "负责生产环境的部署、发布与故障排查，保障系统稳定",
        "建设自动化运维体系，编写运维脚本提升效率",
        "参与容器化平台建设与CI/CD流程的优化",
        "dba@负责数据库的安装、备份、恢复与性能优化",
        "dba@制定数据库规范，审核SQL并处理慢查询",
        "net@规划并管理公司网络架构，维护交换机、路由器与防火墙",
        "net@负责VPN、无线网络的配置与网络安全策略的实施"),
       ("熟悉Linux操作系统，熟练使用Shell或Python编写脚本",
        "熟悉{t}，有生产环境运维经验",
        "熟悉TCP/IP协议，具备网络故障定位能力",
        "持有RHCE、CCNP等认证者优先",
        "能够适应值班及应急响应"),
       ("Kubernetes", "Docker", "Ansible", "Nginx", "MySQL", "Prometheus", "Jenkins", "Zabbix"),
       "tech", (8, 20), "mid", 0.05),
    _F("test", "TT1", 0.10,
       ("测试工程师", "软件测试工程师", "测试开发工程师", "自动化测试工程师", "性能测试工程师",
        "信息安全工程师@sec", "渗透测试工程师@sec", "测试实习生"),
       ("根据需求文档编写测试计划和测试用例，执行功能测试",
        "搭建自动化测试框架，编写并维护自动化测试脚本",
        "跟踪缺陷生命周期，输出测试报告并推动问题解决",
        "参与性能压测，分析系统瓶颈并提出优化建议",
        "sec@负责系统的安全评估、漏洞扫描与渗透测试",
        "sec@跟进安全事件的应急响应，制定安全加固方案"),
       ("计算机或相关专业，熟悉软件测试流程和方法",
        "熟悉{t}等工具",
        "具备一定的编程能力，会使用Python或Java编写脚本",
        "工作细致认真，有较强的责任心"),
       ("Selenium", "JMeter", "Postman", "Appium", "LoadRunner", "pytest", "sec@Burp Suite", "sec@Nmap", "sec@Metasploit"),
       "tech", (7, 18), "mid", 0.05),
    _F("research", "TT1", 0.05,
       ("统计师@stat", "运筹优化算法工程师@or", "计算机视觉研究员@cs", "数据科学研究员@cs"),
       ("or@负责运筹优化模型的建立与求解，支撑排班、路径规划等业务",
        "cs@开展计算机领域的前沿研究，撰写技术报告与专利",
        "stat@运用统计方法设计抽样调查与实验，并分析结果",
        "stat@编制统计报表，建立统计指标监测体系",
        "与工程团队协作将研究成果转化为产品能力"),
       ("数学、统计、运筹学或计算机专业博士或硕士",
        "熟悉{t}等建模工具",
        "有扎实的数理基础和良好的英文文献阅读能力"),
       ("Python", "or@Gurobi", "or@CPLEX", "stat@SAS", "stat@R", "stat@SPSS", "cs@PyTorch", "cs@MATLAB"),
       "tech", (15, 35), "high", 0.4),
    # ---------------- TT2
    _F("web", "TT2", 0.25,
       ("前端开发工程师", "Web前端工程师", "H5开发工程师", "UI设计师@ui", "UX交互设计师@ui", "网页设计师@ui",
        "高级前端工程师", "前端实习生"),
       ("负责公司Web端及移动端页面的开发与维护",
        "与设计师和后端工程师协作，高质量还原设计稿",
        "优化前端性能，提升页面加载速度与用户体验",
        "参与前端组件库的建设，沉淀通用解决方案",
        "负责微信小程序及H5活动页的开发",
        "ui@负责App及网站的界面视觉设计与交互设计",
        "ui@输出交互原型与设计规范，跟进设计落地效果",
        "ui@参与用户研究，持续优化产品体验"),
       ("熟练掌握HTML、CSS、JavaScript",
        "熟悉{t}等主流框架或工具",
        "熟练使用Figma、Sketch、Photoshop等设计工具",
        "有良好的审美和用户体验意识"),
       ("Vue", "React", "TypeScript", "Webpack", "小程序", "Node.js", "ui@Figma", "ui@Sketch", "ui@Photoshop"),
       "tech", (7, 20), "mid", 0.05),
    _F("itsupport", "TT2", 0.20,
       ("IT技术支持", "桌面运维工程师", "IT专员", "实施工程师@impl", "网络技术支持工程师", "IT支持工程师",
        "软件实施工程师@impl"),
       ("负责公司电脑、打印机、网络等IT设备的日常维护与故障处理",
        "负责员工账号、邮箱及办公软件的配置与支持",
        "维护IT资产台账，协助完成信息化项目",
        "负责机房设备巡检与弱电系统维护",
        "impl@负责软件系统在客户现场的安装部署、调试与上线",
        "impl@对客户进行系统操作培训，收集并反馈使用问题",
        "impl@编写实施文档，完成项目验收资料"),
       ("计算机相关专业大专及以上学历",
        "熟悉Windows系统及常用办公软件，了解{t}",
        "具备良好的沟通能力和服务意识",
        "能接受短期出差"),
       ("Windows Server", "AD域", "Office 365", "SQL Server", "VPN", "ERP"),
       "tech", (5, 10), "low", 0.03),
    _F("hardware", "TT2", 0.20,
       ("硬件工程师", "电子工程师", "FPGA工程师@ic", "芯片验证工程师@ic", "IC设计工程师@ic", "射频工程师@rf",
        "通信工程师@rf", "硬件测试工程师", "光学工程师@opt"),
       ("负责产品硬件电路的原理图设计与PCB布局",
        "完成硬件调试、测试及问题分析，输出测试报告",
        "配合生产解决硬件相关问题，推动产品量产",
        "负责元器件选型与BOM成本控制",
        "ic@负责芯片模块的RTL设计与功能验证",
        "ic@搭建UVM验证环境，编写测试用例并分析覆盖率",
        "rf@负责射频电路设计与天线性能优化",
        "rf@完成通信模块的协议测试与认证",
        "opt@负责光学系统设计与镜头选型"),
       ("电子、通信、微电子等相关专业",
        "熟练使用{t}等设计工具",
        "熟悉模拟电路与数字电路，能独立完成电路设计",
        "熟悉Verilog或VHDL者优先"),
       ("Altium Designer", "Cadence", "Multisim", "ic@Verilog", "ic@Vivado", "ic@UVM", "rf@ADS", "rf@HFSS", "opt@Zemax"),
       "hw", (8, 22), "mid", 0.08),
    _F("electrical", "TT2", 0.15,
       ("电气工程师", "自动化工程师", "PLC工程师", "电气设计工程师", "调试工程师", "电子技术员",
        "机器人应用工程师@robot", "技术员"),
       ("负责设备电气控制系统的设计与选型",
        "编写PLC程序，完成自动化产线的现场调试",
        "绘制电气原理图，编制电气元器件清单",
        "处理设备电气故障，持续改进设备稳定性",
        "robot@负责工业机器人的示教编程与工作站调试",
        "robot@为机器人集成项目设计工装与控制方案"),
       ("电气自动化、机电一体化相关专业",
        "熟悉{t}编程与调试",
        "能熟练使用AutoCAD或EPLAN绘图",
        "能适应出差及现场调试工作"),
       ("西门子PLC", "三菱PLC", "EPLAN", "AutoCAD", "WinCC", "ABB机器人", "KUKA"),
       "hw", (6, 15), "low", 0.1),
    _F("mech", "TT2", 0.12,
       ("机械工程师", "机械设计工程师", "机电工程师", "工业工程师@ie", "汽车电子工程师@auto", "非标设备设计工程师"),
       ("负责非标自动化设备的机械结构设计",
        "绘制零部件图纸及装配图，编制BOM清单",
        "跟进样机试制与装配，解决设计相关问题",
        "ie@推动精益生产，优化产线布局与标准工时",
        "ie@开展价值流分析，推进生产效率改善项目",
        "auto@负责车身控制器等汽车电子产品的开发与验证",
        "auto@跟进整车厂需求，完成DV/PV试验"),
       ("机械设计制造及其自动化等相关专业",
        "熟练使用{t}等设计软件",
        "熟悉机械加工工艺与常用材料",
        "有自动化设备设计经验者优先"),
       ("SolidWorks", "UG", "AutoCAD", "CATIA", "Creo", "ANSYS", "ie@Minitab", "auto@CANoe", "auto@CANalyzer"),
       "hw", (6, 15), "mid", 0.03),
    _F("science", "TT2", 0.08,
       ("材料研发工程师@mat", "化学研究员@chem", "化工工艺工程师@chem", "电池研发工程师@bat", "生物医学工程师@bio",
        "新能源研发工程师@bat"),
       ("mat@负责新材料配方的开发与性能测试",
        "bat@开展电池材料的研发实验，分析电化学性能数据",
        "chem@优化化工生产工艺，提升产品收率与稳定性",
        "chem@负责合成路线的设计与小试、中试放大",
        "bio@负责医疗器械的研发设计与验证",
        "撰写研发报告及专利申请材料",
        "跟踪行业技术动态，提出新产品开发建议"),
       ("化学、材料、化工或生物医学工程等相关专业，硕士及以上学历",
        "熟悉{t}等分析测试方法",
        "具备独立设计实验的能力"),
       ("XRD", "SEM", "HPLC", "电化学测试", "Origin"),
       "hw", (8, 20), "high", 0.02),
    # ---------------- PRODUCT
    _F("pm", "PRODUCT", 0.50,
       ("产品经理", "高级产品经理", "产品助理", "产品专员", "产品总监", "AI产品经理@ai", "数据产品经理",
        "B端产品经理", "硬件产品经理@hw", "产品实习生"),
       ("负责产品的需求调研、竞品分析与规划，输出产品需求文档",
        "绘制产品原型和交互流程，推动研发、测试按期交付",
        "跟踪产品上线后的数据表现，持续迭代优化",
        "协调设计、研发、运营等团队，把控产品整体进度",
        "ai@规划智能化产品路线图，将AI能力转化为用户价值",
        "ai@与算法团队协作定义模型指标，推动人工智能功能上线",
        "hw@负责智能硬件产品的定义、选型与量产导入"),
       ("本科及以上学历，计算机或相关专业优先",
        "熟练使用{t}等工具",
        "具备良好的逻辑思维、沟通协调与文档能力",
        "有SaaS或互联网产品经验者优先"),
       ("Axure", "Visio", "Xmind", "墨刀", "SQL"),
       "tech", (10, 25), "mid", 0.15),
    _F("techmgr", "PRODUCT", 0.30,
       ("技术总监", "研发经理", "技术经理", "CTO", "IT经理@it", "信息化负责人@it", "研发总监", "软件研发部经理"),
       ("负责研发团队的管理与建设，制定技术路线与研发计划",
        "主导系统架构设计与关键技术选型，把控研发质量",
        "协调跨部门资源，推动重点项目按期交付",
        "培养技术骨干，建立研发流程与规范",
        "it@负责公司信息化系统的规划、建设与运维管理",
        "it@管理IT团队及外包供应商，控制IT预算"),
       ("计算机相关专业本科及以上学历，8年以上研发经验",
        "熟悉{t}等技术体系，有大型系统架构经验",
        "具有3年以上团队管理经验",
        "具备优秀的沟通能力和领导力"),
       ("微服务", "云原生", "ERP", "MES", "大数据", "Java"),
       "tech", (25, 50), "mid", 0.2),
    _F("itproj", "PRODUCT", 0.20,
       ("IT项目经理", "软件项目经理", "研发项目经理", "系统集成项目经理", "技术文档工程师@doc", "数据合规专员@law"),
       ("负责软件项目的整体计划、进度、成本与质量管理",
        "组织项目需求调研、方案评审与验收交付",
        "识别项目风险并制定应对措施，定期汇报项目进展",
        "doc@编写产品技术文档、用户手册与接口说明",
        "doc@维护文档体系，确保文档与产品版本同步",
        "law@负责公司数据安全与个人信息保护合规工作",
        "law@审核产品数据处理流程，出具合规评估意见"),
       ("计算机、信息管理等相关专业",
        "持有PMP或信息系统项目管理师证书者优先",
        "熟悉{t}等项目管理方法与工具",
        "良好的组织协调和抗压能力"),
       ("PMP", "Jira", "敏捷开发", "Scrum", "Confluence"),
       "tech", (12, 25), "mid", 0.1),
    # ---------------- COMMERCIAL
    _F("presales", "COMMERCIAL", 0.30,
       ("售前工程师", "售前顾问", "解决方案架构师", "销售工程师", "技术销售", "解决方案工程师",
        "售后技术支持工程师@after"),
       ("配合销售团队进行客户需求挖掘，编写技术方案与投标文件",
        "向客户进行产品演示和技术交流，推动项目成单",
        "负责行业解决方案的设计与推广",
        "收集市场与竞品信息，反馈给产品和研发团队",
        "after@为客户提供产品安装调试、培训及售后技术支持",
        "after@处理客户现场问题，提升客户满意度与续约率"),
       ("理工科本科及以上学历，计算机、通信、自动化专业优先",
        "熟悉{t}相关产品与解决方案",
        "具备优秀的演讲表达与文档撰写能力",
        "能适应经常出差"),
       ("云计算", "智慧城市", "工业互联网", "网络安全", "机器视觉", "IoT"),
       "tech", (10, 25), "mid", 0.25),
    _F("salesmgr", "COMMERCIAL", 0.40,
       ("销售经理", "大客户经理", "区域销售经理", "渠道经理@chan", "商务拓展经理", "市场经理@mkt", "品牌经理@mkt",
        "营销经理@mkt", "销售总监", "BD经理"),
       ("负责区域市场的开拓与销售团队管理，完成年度销售目标",
        "维护重点客户关系，挖掘客户需求并促成合作",
        "分析销售数据，制定并调整销售策略",
        "mkt@制定市场推广与品牌传播策略，组织行业展会与活动",
        "mkt@管理市场预算，评估推广活动效果",
        "chan@发展并管理渠道合作伙伴，建立完善的渠道体系",
        "chan@制定渠道政策，推动代理商业绩增长"),
       ("市场营销或相关专业，3年以上销售管理经验",
        "熟悉{t}行业客户者优先",
        "具有出色的谈判能力和团队管理能力",
        "目标感强，能承受工作压力"),
       ("SaaS", "工业自动化", "医疗器械", "快消", "新能源", "CRM"),
       "any", (10, 30), "mid", 0.08),
    _F("purchase", "COMMERCIAL", 0.15,
       ("采购工程师", "电子元器件采购", "供应链采购专员", "设备采购工程师", "采购经理"),
       ("负责电子元器件、设备等物料的询价、比价与采购",
        "开发并评估供应商，维护供应商关系",
        "跟进订单交期，协调解决来料质量问题",
        "分析采购成本，推动降本项目"),
       ("理工科相关专业，了解电子或机械物料",
        "熟练使用{t}系统及办公软件",
        "具备良好的沟通与谈判能力"),
       ("SAP", "ERP", "Excel", "Oracle"),
       "hw", (6, 15), "mid", 0.02),
    _F("mresearch", "COMMERCIAL", 0.15,
       ("市场调研专员", "市场分析师", "市场研究员", "行业研究分析师", "专员"),
       ("负责行业及竞争对手的市场调研，撰写调研报告",
        "设计问卷并组织访谈，整理分析调研数据",
        "跟踪市场动态，为公司战略决策提供依据",
        "测算市场规模，评估新产品的市场机会"),
       ("市场营销、统计、经济等相关专业",
        "熟练使用{t}等数据分析工具",
        "具备优秀的报告撰写能力"),
       ("SPSS", "Excel", "问卷星", "PPT"),
       "any", (7, 15), "mid", 0.05),
    # ---------------- NOT_AI
    _F("finance", "NOT_AI", 0.10,
       ("会计", "出纳@cash", "财务专员", "总账会计", "成本会计", "税务专员@tax"),
       ("负责公司日常账务处理，编制记账凭证",
        "协助完成月度、年度财务报表",
        "整理并归档财务资料",
        "tax@负责每月纳税申报及税务相关工作",
        "tax@对接税务机关，处理发票及税务稽查事宜",
        "cash@负责现金、银行存款的收付及日记账登记",
        "cash@办理银行开户、转账及票据管理"),
       ("财务、会计相关专业，持有初级会计证书",
        "熟练使用{t}等财务软件",
        "为人细心、踏实、责任心强"),
       ("用友", "金蝶", "Excel"),
       "any", (4, 8), "low"),
    _F("factory", "NOT_AI", 0.13,
       ("普工", "操作工", "质检员@qc", "技工", "包装工", "焊工@weld", "装配工", "CNC操机师傅", "仓库管理员@wh"),
       ("按照作业指导书完成生产线上的操作",
        "负责设备的日常点检与清洁保养",
        "遵守车间安全与5S管理规定",
        "完成班组长安排的生产任务",
        "qc@负责产品的外观检验与尺寸测量，记录检验数据",
        "weld@按图纸完成钢结构件的焊接",
        "wh@负责物料的收发、入库与盘点"),
       ("身体健康，能适应倒班",
        "吃苦耐劳，服从安排",
        "有相关工作经验者优先，无经验可培训上岗",
        "包吃包住，五险一金"),
       ("5S", "ERP"),
       "factory", (4, 7), "low"),
    _F("logistics", "NOT_AI", 0.08,
       ("司机@drv", "货车司机@drv", "商务司机@drv", "快递员@del", "物流专员", "配送员@del", "叉车司机"),
       ("负责货物的装卸、搬运与交接",
        "负责物流订单的跟踪与异常处理",
        "drv@负责公司车辆的日常驾驶与维护保养",
        "drv@遵守交通法规，保障行车安全",
        "del@负责片区内包裹的派送与揽收",
        "del@确保货物准时送达，做好客户签收"),
       ("持有C1或B2驾照，驾龄3年以上",
        "熟悉本地路线，无不良驾驶记录",
        "能吃苦耐劳"),
       ("C1", "B2"),
       "service", (5, 9), "low"),
    _F("service", "NOT_AI", 0.10,
       ("客服专员@cs", "电话客服@cs", "在线客服@cs", "前台@desk", "服务员@food", "厨师@food", "酒店前台@desk",
        "收银员"),
       ("负责收银及营业款核对",
        "cs@负责接听客户来电，解答客户咨询并处理投诉",
        "cs@通过在线平台回复客户问题，记录客户反馈",
        "desk@负责前台接待、访客登记及会议室管理",
        "desk@负责快递收发与办公区环境维护",
        "food@为顾客提供点餐及餐厅服务",
        "food@负责后厨菜品制作与食材准备"),
       ("普通话标准，打字速度快",
        "性格开朗，有耐心和服务意识",
        "能接受排班"),
       ("Office",),
       "service", (4, 7), "low"),
    _F("sales", "NOT_AI", 0.13,
       ("销售代表", "电话销售@tel", "置业顾问@house", "保险顾问@ins", "理财顾问@ins", "导购@shop", "店员@shop",
        "课程顾问", "电话销售（智能产品）@tel"),
       ("开发新客户，完成个人销售任务",
        "维护老客户关系，提高复购率",
        "tel@通过电话或线上渠道开发客户，完成每日外呼量",
        "tel@推广公司智能家居产品，邀约客户到店体验",
        "house@为到访客户介绍楼盘信息并促成签约",
        "ins@向客户讲解保险及理财产品，维护客户关系",
        "shop@负责门店商品陈列与顾客接待"),
       ("有销售经验者优先，无经验可带",
        "沟通能力强，有上进心",
        "底薪加提成，上不封顶"),
       ("CRM",),
       "any", (4, 10), "low"),
    _F("civil", "NOT_AI", 0.10,
       ("土木工程师", "施工员", "造价工程师@cost", "建筑项目经理@pm", "监理工程师", "暖通工程师", "测量员@survey",
        "建筑设计师", "给排水工程师"),
       ("负责施工现场的技术管理与进度控制",
        "监督施工质量与安全文明施工",
        "审核施工图纸，参与图纸会审与技术交底",
        "cost@编制工程预算与结算，审核工程量清单",
        "pm@负责工程项目的全面管理，协调施工各方",
        "pm@控制项目成本与工期，组织竣工验收",
        "survey@负责工程测量放线与数据整理"),
       ("土木工程、工程管理相关专业",
        "持有二级建造师或造价工程师证书者优先",
        "熟练使用{t}等软件",
        "能适应项目现场工作"),
       ("AutoCAD", "广联达", "Revit", "BIM"),
       "construction", (6, 15), "mid"),
    _F("admin", "NOT_AI", 0.12,
       ("行政专员", "人事专员@hr", "HR招聘专员@hr", "文员", "行政助理", "人力资源经理@hr", "数据录入员@entry",
        "总经理助理", "专员", "助理"),
       ("负责公司日常行政事务及办公用品管理",
        "协助组织公司会议及员工活动",
        "负责文件整理与归档",
        "hr@负责招聘渠道维护、简历筛选与面试安排",
        "hr@办理员工入离职、社保及考勤统计",
        "entry@负责订单及客户资料的数据录入与核对"),
       ("行政管理、人力资源等相关专业",
        "熟练使用{t}等办公软件",
        "工作细致，有良好的沟通能力"),
       ("Word", "Excel", "PPT"),
       "any", (4, 9), "low"),
    _F("teacher", "NOT_AI", 0.07,
       ("英语老师", "少儿编程讲师@code", "数学老师", "培训讲师", "幼儿教师", "Python讲师@code"),
       ("负责学员的课堂教学与课后辅导",
        "参与课程研发与教研活动",
        "与家长保持沟通，反馈学员学习情况",
        "code@教授少儿编程与机器人编程课程，激发学生兴趣",
        "code@指导学生参加信息学及机器人竞赛"),
       ("师范类或相关专业，持有教师资格证优先",
        "熟悉{t}课程体系者优先",
        "热爱教育事业，亲和力强"),
       ("PPT", "code@Scratch", "code@Python", "code@C++"),
       "education", (5, 12), "mid"),
    _F("media", "NOT_AI", 0.10,
       ("文案策划@copy", "新媒体运营@ops", "主播@live", "编辑@copy", "平面设计师@design", "室内设计师@design",
        "电商运营@ops", "服装设计师@design", "短视频剪辑师@video"),
       ("copy@撰写品牌宣传文案及活动策划方案",
        "ops@负责公司新媒体账号的内容策划与日常运营",
        "ops@负责店铺日常运营，策划促销活动",
        "live@负责直播带货，介绍产品并与观众互动",
        "design@负责海报、画册等平面物料设计",
        "design@根据客户需求完成设计方案与效果图",
        "video@负责短视频的拍摄、剪辑与后期包装",
        "配合团队完成各类宣传推广工作"),
       ("文笔好，有创意",
        "熟练使用{t}等软件",
        "对热点敏感，有相关工作经验者优先"),
       ("Photoshop", "Office", "design@CorelDRAW", "design@3ds Max", "design@Illustrator", "video@Premiere",
        "video@剪映", "live@OBS"),
       "any", (5, 12), "low"),
    _F("drone", "NOT_AI", 0.04,
       ("无人机飞手", "无人机操作员", "航拍摄影师", "无人机植保员"),
       ("负责无人机航拍作业及素材整理",
        "负责植保无人机的喷洒作业与日常保养",
        "按照飞行计划完成巡检任务，记录飞行日志"),
       ("持有民用无人机驾驶员执照",
        "能适应户外及出差工作",
        "熟悉{t}等设备者优先"),
       ("大疆", "DJI"),
       "service", (5, 10), "low"),
    _F("health", "NOT_AI", 0.03,
       ("护士@nurse", "药剂师@drug", "康复治疗师@rehab", "医生助理"),
       ("完成科室安排的其他工作",
        "nurse@负责病区患者的日常护理工作",
        "drug@负责药品调配与发放",
        "rehab@为患者制定康复训练计划"),
       ("持有相关执业资格证书",
        "有医院工作经验者优先",
        "工作认真负责"),
       ("HIS",),
       "service", (5, 10), "low"),
)

# Firms: (company name suffix, company_info industry) per kind of employer.
_FIRMS: dict[str, tuple[tuple[str, str], ...]] = {
    "tech": (("信息科技有限公司", "计算机软件"), ("网络科技有限公司", "互联网/电子商务"),
             ("智能科技有限公司", "计算机软件"), ("软件股份有限公司", "计算机软件"),
             ("数据科技有限公司", "IT服务(系统、数据、维护)"), ("通信技术有限公司", "通信/电信/网络设备"),
             ("人工智能科技有限公司", "计算机软件"), ("金融服务有限公司", "金融/投资/证券")),
    "hw": (("电子科技有限公司", "电子技术/半导体/集成电路"), ("半导体有限公司", "电子技术/半导体/集成电路"),
           ("自动化设备有限公司", "仪器仪表/工业自动化"), ("精密机械有限公司", "机械/设备/重工"),
           ("新能源科技有限公司", "新能源"), ("汽车零部件有限公司", "汽车/摩托车"),
           ("光电科技有限公司", "电子技术/半导体/集成电路"), ("机器人有限公司", "仪器仪表/工业自动化")),
    "factory": (("制造有限公司", "机械/设备/重工"), ("食品有限公司", "快速消费品(食品、饮料、化妆品)"),
                ("塑胶制品有限公司", "原材料和加工"), ("电子厂", "电子技术/半导体/集成电路"),
                ("服饰有限公司", "服装/纺织/皮革")),
    "service": (("物流有限公司", "物流/仓储"), ("餐饮管理有限公司", "餐饮业"), ("酒店管理有限公司", "酒店/旅游"),
                ("物业服务有限公司", "物业管理/商业中心"), ("医院", "医疗/护理/卫生"),
                ("航空科技有限公司", "航空/航天")),
    "construction": (("建设工程有限公司", "建筑/建材/工程"), ("建筑设计院有限公司", "建筑/建材/工程"),
                     ("工程咨询有限公司", "专业服务(咨询、人力资源、财会)"), ("房地产开发有限公司", "房地产")),
    "education": (("教育科技有限公司", "教育/培训/院校"), ("培训学校", "教育/培训/院校"), ("幼儿园", "教育/培训/院校")),
    "any": (("商贸有限公司", "贸易/进出口"), ("实业有限公司", "多元化业务集团公司"),
            ("保险代理有限公司", "保险"), ("房地产经纪有限公司", "房地产"), ("文化传媒有限公司", "媒体/出版/影视/文化传播"),
            ("信息科技有限公司", "计算机软件"), ("医疗器械有限公司", "医疗设备/器械"),
            ("电子商务有限公司", "互联网/电子商务"), ("人力资源有限公司", "专业服务(咨询、人力资源、财会)")),
}
_BRANDS = ("云擎", "星途", "恒达", "智远", "瑞泰", "华凌", "锦程", "博睿", "天衡", "优诺", "聚能", "明川",
           "启航", "汇丰源", "鼎盛", "卓越", "青松", "新域", "朗程", "深蓝", "极光", "易达", "安科", "润泽",
           "方圆", "长风", "嘉禾", "科瑞", "永信", "领创", "众合", "云帆", "宏图", "百川", "睿鸿", "海纳")
_FIRM_TYPES = (("民营公司", 6), ("上市公司", 1.5), ("外资(欧美)", 1), ("合资", 0.8), ("国企", 1), ("创业公司", 1),
               ("外资(非欧美)", 0.5), ("事业单位", 0.3))
_FIRM_SIZES = (("少于50人", 3), ("50-150人", 4), ("150-500人", 3), ("500-1000人", 1.5), ("1000-5000人", 1),
               ("5000-10000人", 0.4), ("10000人以上", 0.4))

# Education per profile: (value, weight); '' = not shown on the page.
_EDU: dict[str, tuple[tuple[str, float], ...]] = {
    "high": (("本科", 30), ("硕士", 30), ("博士", 6), ("本科及以上", 8), ("硕士及以上", 4), ("", 8), ("学历不限", 1)),
    "mid": (("本科", 50), ("大专", 25), ("本科及以上", 8), ("硕士", 4), ("学历不限", 4), ("大专及以上", 3), ("", 6)),
    "low": (("大专", 25), ("高中", 15), ("中专/中技", 12), ("学历不限", 20), ("本科", 8), ("初中及以下", 5),
            ("中专", 5), ("", 8)),
}
_EXP_51JOB = (("无需经验", 12), ("1年经验", 10), ("2年经验", 10), ("3-4年经验", 14), ("5-7年经验", 10),
              ("8-9年经验", 3), ("10年以上经验", 3), ("在校生/应届生", 6), ("经验不限", 4), ("", 8))
_EXP_LIEPIN = (("1-3年", 20), ("3-5年", 20), ("5-10年", 10), ("经验不限", 10), ("应届生", 4), ("10年以上", 3),
               ("1年以上", 3), ("3年以上", 3), ("", 10))
_DUTY_HEADS = ("岗位职责：", "工作职责：", "【岗位职责】", "职位描述：", "工作内容：", "Job Description / 岗位职责：")
_REQ_HEADS = ("任职要求：", "任职资格：", "【任职要求】", "岗位要求：", "Requirements / 任职要求：")
_SOFT = ("具备良好的团队合作精神和沟通能力", "学习能力强，能承受一定的工作压力", "责任心强，工作积极主动",
         "有良好的职业素养和执行力", "能够独立思考并解决问题")
_PERKS = ("公司提供五险一金、带薪年假、节日福利。", "我们提供有竞争力的薪酬和广阔的发展空间。",
          "工作时间：周一至周五，双休。", "公司氛围轻松，弹性工作制。", "简历请投递至EMAIL：hr@company.com，注明应聘岗位。",
          "提供住宿，交通便利，地铁直达。", "年终奖金，定期体检，员工旅游。")
# AI-keyword sentences sprinkled into non-algorithm postings (the AI-keyword filter needs positives
# outside the algorithm family too).
_AI_SENTENCES = ("参与公司人工智能平台相关模块的开发", "有机器学习或深度学习项目经验者优先",
                 "了解计算机视觉或人脸识别技术者优先", "熟悉自然语言处理基础知识者加分",
                 "参与智能机器人产品相关工作", "有数据挖掘经验者优先", "对AI技术有浓厚兴趣")
_TECH_REQS = ("具备良好的英文读写能力，能阅读英文技术文档", "有开源项目贡献或技术博客者优先",
              "对新技术保持热情，具备持续学习能力", "有上市公司或知名企业工作经历者优先", "能够承担一定的技术攻关任务")
_LABEL_REQS = {
    "TT1": _TECH_REQS, "TT2": _TECH_REQS, "PRODUCT": _TECH_REQS + ("具备跨部门推动事情落地的能力",),
    "COMMERCIAL": ("有行业资源和客户积累者优先", "具备较强的商务谈判和客户沟通能力", "英语可作为工作语言者优先",
                   "持有C1驾照者优先"),
    "NOT_AI": ("有同岗位工作经验者优先", "服从公司安排，能适应加班", "年龄18-45岁，身体健康", "持有健康证者优先",
               "能长期稳定工作"),
}
_INTROS = ("我们是一家专注于{industry}领域的高新技术企业，业务覆盖全国，现因业务发展需要诚聘英才。",
           "公司成立于2010年，深耕{industry}行业多年，拥有稳定的客户群体。",
           "本公司是{industry}行业的领先企业，欢迎有志之士加入。",
           "因团队扩张，现招聘以下岗位：")
_EDU_IN_BODY = {"high": ("博士", "硕士", "硕士", "本科"), "mid": ("本科", "本科", "大专", "硕士"),
                "low": ("大专", "高中", "中专")}
_AWKWARD_LOCATIONS = ("-", "请选择", "Array", "全国", "上海上海上海", "null")


def _weighted(pairs):
    values = [v for v, _ in pairs]
    cum, total = [], 0.0
    for _, w in pairs:
        total += w
        cum.append(total)
    return values, cum


_LABEL_FAMILIES = {
    label: _weighted([(f, f.weight) for f in FAMILIES if f.label == label]) for label in LABEL_SHARES
}
_LABELS = _weighted(list(LABEL_SHARES.items()))
_CITY_SLUGS = _weighted([(slug, w) for slug, (_, _, w) in CITIES.items()])
_EDU_W = {k: _weighted(v) for k, v in _EDU.items()}
_EXP_W = {"51job": _weighted(_EXP_51JOB), "liepin": _weighted(_EXP_LIEPIN)}
_TYPES_W = _weighted(_FIRM_TYPES)
_SIZES_W = _weighted(_FIRM_SIZES)


_Rnd = Callable[[], float]


# Small random helpers on the bound `random()` method: several times faster than Random.choice,
# .choices and .sample, which dominate the cost of 100k postings.
def _pick(rnd: _Rnd, seq):
    return seq[int(rnd() * len(seq))]


def _wpick(rnd: _Rnd, values, cum):
    return values[bisect_right(cum, rnd() * cum[-1])]


def _randint(rnd: _Rnd, a: int, b: int) -> int:
    return a + int(rnd() * (b - a + 1))


def _uniform(rnd: _Rnd, a: float, b: float) -> float:
    return a + (b - a) * rnd()


def _sample(rnd: _Rnd, seq, k: int) -> list:
    """k distinct items (partial Fisher-Yates)."""
    pool = list(seq)
    n = len(pool)
    for i in range(min(k, n)):
        j = i + int(rnd() * (n - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:k]


def _fmt(x: float) -> str:
    """1.0 -> '1', 1.5 -> '1.5' (the boards drop trailing zeros)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _salary_51job(rnd: _Rnd, lo: float, hi: float, intern: bool) -> str:
    """lo/hi are monthly pay in thousand yuan."""
    r = rnd()
    if intern or r < 0.03:
        return f"{_pick(rnd, (100, 120, 150, 200, 250))}元/天"
    if r < 0.07:
        return "面议"
    if r < 0.15:  # annual, e.g. '10-20万/年'
        return f"{_fmt(round(lo * 12 / 10))}-{_fmt(round(hi * 12 / 10))}万/年"
    months = f"·{_pick(rnd, (13, 13, 14, 15, 16))}薪" if r > 0.75 else ""
    unit = "" if months or r > 0.65 else "/月"  # 2023 layout: monthly without a unit
    if lo >= 10:
        return f"{_fmt(lo / 10)}-{_fmt(hi / 10)}万{unit}{months}"
    if hi >= 10:
        return f"{_fmt(lo)}千-{_fmt(hi / 10)}万{unit}{months}"
    return f"{_fmt(lo)}-{_fmt(hi)}千{unit}{months}"


def _salary_liepin(rnd: _Rnd, lo: float, hi: float, intern: bool) -> str:
    r = rnd()
    if intern:
        return f"{_pick(rnd, (100, 150, 200))}-{_pick(rnd, (250, 300, 400))}元/天"
    if r < 0.10:
        return "面议" if r < 0.08 else "薪资面议"
    if r < 0.35:  # annual in ten-thousands, no unit (older liepin pages)
        return f"{round(lo * 12 / 10)}-{round(hi * 12 / 10)}万"
    months = f"·{_pick(rnd, (12, 13, 14, 15, 16))}薪" if r > 0.6 else ""
    return f"{round(lo)}-{round(hi)}k{months}"


def _release_date(rnd: _Rnd, board: str) -> str:
    month, day = _randint(rnd, 1, 6), _randint(rnd, 1, 28)
    if board == "51job":
        return f"{month:02d}-{day:02d}发布"
    r = rnd()
    if r < 0.5:
        return f"2021-{month:02d}-{day:02d}"
    if r < 0.6:
        return "昨天"
    if r < 0.65:
        return "今天"
    if r < 0.8:
        return f"{_randint(rnd, 2, 29)}天前"
    return f"更新于{month:02d}月{day:02d}日"


def _title_pools(fam: _Family) -> list[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    """(title, duties, shared duties, terms) for each title of a family.

    A title tagged 'X@tag' gets the duties and terms tagged 'tag@...' besides the untagged ones, so an
    Android posting talks about apps and Kotlin, not drivers and RTOS.
    """
    shared = tuple(d for d in fam.duties if "@" not in d)
    shared_terms = tuple(t for t in fam.terms if "@" not in t)
    out = []
    for t in fam.titles:
        title, _, tag = t.partition("@")
        own = tuple(d.partition("@")[2] for d in fam.duties if tag and d.startswith(tag + "@"))
        terms = tuple(x.partition("@")[2] for x in fam.terms if tag and x.startswith(tag + "@"))
        out.append((title, own, shared, terms or shared_terms))
    return out


_TITLE_POOLS = {f.name: _title_pools(f) for f in FAMILIES}


def _body(rnd: _Rnd, fam: _Family, own: tuple[str, ...], shared: tuple[str, ...],
          terms: tuple[str, ...], industry: str, edu_text: str, ai: bool) -> str:
    duties = _sample(rnd, shared, min(len(shared), _randint(rnd, 2, 4)))
    for d in _sample(rnd, own, min(len(own), 1 + (rnd() < 0.5))) if own else ():
        duties.insert(int(rnd() * (len(duties) + 1)), d)
    reqs = _sample(rnd, fam.reqs, _randint(rnd, 2, min(4, len(fam.reqs))))
    if ai:
        (duties if rnd() < 0.5 else reqs).append(_pick(rnd, _AI_SENTENCES))
    if not edu_text and rnd() < 0.6:  # the normalizer can infer education from the body
        reqs.insert(0, f"{_pick(rnd, _EDU_IN_BODY[fam.edu])}及以上学历")
    reqs += _sample(rnd, _LABEL_REQS[fam.label], _randint(rnd, 0, 2))
    reqs.append(_pick(rnd, _SOFT))
    term = _pick(rnd, terms)
    duty_text = [f"{i}、{d}；" for i, d in enumerate(duties, 1)]
    req_text = [f"{i}、{q.replace('{t}', term)}。" for i, q in enumerate(reqs, 1)]
    # Most pages break lines; some list pages run everything together on one line.
    sep = "" if rnd() < 0.2 else "\n"
    parts = [_pick(rnd, _DUTY_HEADS), *duty_text, _pick(rnd, _REQ_HEADS), *req_text]
    if rnd() < 0.4:
        parts.insert(0, _pick(rnd, _INTROS).format(industry=industry.split("/")[0]))
    body = sep.join(parts)
    k = int(rnd() * len(_PERKS))
    n_perks = int(rnd() * 2.5)
    while n_perks or len(body) < 150:  # short postings get the usual benefit lines
        body += sep + _PERKS[k % len(_PERKS)]
        k += 3  # 3 is prime to len(_PERKS): no perk repeats within a body
        n_perks = max(0, n_perks - 1)
    if len(body) > 600:  # cut at a sentence end so the text still reads naturally
        cut = body.rfind("。", 0, 600)
        body = body[: cut + 1] if cut > 150 else body[:600]
    return body


def generate_corpus(n_postings: int = 600, seed: int = 0) -> pl.DataFrame:
    """A labelled corpus of `n_postings` synthetic postings, deterministic for `seed`.

    Columns: see CORPUS_COLUMNS. `posting_uid` is '<board>-<job_id>'.
    """
    rng = random.Random(seed)
    rnd = rng.random
    choices = rng.choices
    n51 = sum(1 for _ in range(n_postings) if rnd() < BOARD_SHARES["51job"])
    boards = ["51job"] * n51 + ["liepin"] * (n_postings - n51)
    rng.shuffle(boards)
    # Distinct ids per board: sampling a range never materializes it.
    ids = {"51job": iter(rng.sample(range(100_000_000, 1_000_000_000), n51)),
           "liepin": iter(rng.sample(range(10_000_000, 100_000_000), n_postings - n51))}
    labels = choices(_LABELS[0], cum_weights=_LABELS[1], k=n_postings)
    cities = choices(_CITY_SLUGS[0], cum_weights=_CITY_SLUGS[1], k=n_postings)
    cols: dict[str, list] = {c: [] for c in CORPUS_COLUMNS}
    for board, label, slug in zip(boards, labels, cities):
        fams, cum = _LABEL_FAMILIES[label]
        fam = _wpick(rnd, fams, cum)
        job_id = str(next(ids[board]))
        title, own, shared, terms = _pick(rnd, _TITLE_POOLS[fam.name])
        intern = "实习" in title or rnd() < 0.02
        if intern and "实习" not in title:
            title += "（实习生）"
        city, districts, _ = CITIES[slug]
        suffix, industry = _pick(rnd, _FIRMS[fam.firms])
        company = f"{city if rnd() < 0.6 else ''}{_pick(rnd, _BRANDS)}{suffix}"
        info = (f"{_wpick(rnd, _TYPES_W[0], _TYPES_W[1])} | "
                f"{_wpick(rnd, _SIZES_W[0], _SIZES_W[1])} | {industry}")
        lo = round(_uniform(rnd, *fam.pay) * 2) / 2
        hi = lo * _pick(rnd, (1.3, 1.5, 1.5, 2.0))
        hi = round(hi * 2) / 2
        salary = (_salary_51job if board == "51job" else _salary_liepin)(rnd, lo, hi, intern)
        r = rnd()
        if board == "51job" and r < 0.005:
            location = "异地招聘"
        elif r < 0.45:
            location = f"{city}-{_pick(rnd, districts)}"
        else:
            location = city
        edu_vals, edu_cum = _EDU_W[fam.edu]
        education = _wpick(rnd, edu_vals, edu_cum)
        exp_vals, exp_cum = _EXP_W[board]
        experience = "在校生/应届生" if intern and board == "51job" else _wpick(rnd, exp_vals, exp_cum)
        ai = rnd() < fam.ai_share and fam.name != "algo"
        body = _body(rnd, fam, own, shared, terms, industry, education, ai)
        release = _release_date(rnd, board)
        if rnd() < 0.02:  # awkward postings: exercise the null/flag paths downstream
            kind = _randint(rnd, 0, 3)
            if kind == 0:
                salary = ""
            elif kind == 1:
                location = _pick(rnd, _AWKWARD_LOCATIONS)
            elif kind == 2:
                education = _pick(rnd, ("招3人", "03-07发布", "3个月"))  # a neighbouring field slipped in
            else:
                salary, release = "", ""
        u = rnd()
        cols["posting_uid"].append(f"{board}-{job_id}")
        cols["board"].append(board)
        cols["job_id"].append(job_id)
        cols["city_slug"].append(slug)
        cols["title"].append(title)
        cols["company"].append(company)
        cols["company_info"].append(info)
        cols["body"].append(body)
        cols["salary_text"].append(salary)
        cols["location_text"].append(location)
        cols["education_text"].append(education)
        cols["experience_text"].append(experience)
        cols["release_date_text"].append(release)
        cols["label"].append(label)
        cols["url_variants"].append(1 if u < 0.7 else (2 if u < 0.9 else 3))
    schema = {c: pl.String for c in CORPUS_COLUMNS}
    schema["url_variants"] = pl.Int64
    return pl.DataFrame(cols, schema=schema)


def posting_url(board: str, job_id: str, city_slug: str = "") -> str:
    """The canonical detail-page URL of a posting, as the real boards write it."""
    if board == "51job":
        return f"https://jobs.51job.com/{city_slug or 'shanghai'}/{job_id}.html"
    return f"https://www.liepin.com/job/{job_id}.shtml"


def write_demo_annotations(corpus: pl.DataFrame, out_dir: Path, share: float = 0.6,
                           seed: int = 0) -> tuple[Path, Path]:
    """Write the demo's labelled postings in the real data's formats (one loader serves both).

    `annotations.jsonl` holds labels for a `share` of the corpus (chosen with `seed`);
    `postings.parquet` holds every corpus row. Returns (annotations_path, postings_path).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    n = corpus.height
    picked = sorted(rng.sample(range(n), round(n * share)))
    uids, labels = corpus["posting_uid"].to_list(), corpus["label"].to_list()
    ann_path = out_dir / "annotations.jsonl"
    with ann_path.open("w", encoding="utf-8") as f:
        for i in picked:
            # A few 'low' marks, as real annotators give for ambiguous postings.
            conf = "low" if rng.random() < 0.05 else "high"
            f.write(json.dumps({"uid": uids[i], "label": labels[i], "confidence": conf, "note": ""},
                               ensure_ascii=False) + "\n")
    urls = [posting_url(b, j, c) for b, j, c in
            zip(corpus["board"].to_list(), corpus["job_id"].to_list(), corpus["city_slug"].to_list())]
    postings = corpus.select(
        pl.col("posting_uid").alias("uid"), pl.col("board").alias("source_board"), "title", "company",
        "body", "salary_text", "location_text", "education_text", "experience_text", "release_date_text",
    ).with_columns(pl.Series("url", urls, dtype=pl.String))
    post_path = out_dir / "postings.parquet"
    postings.write_parquet(post_path)
    return ann_path, post_path
