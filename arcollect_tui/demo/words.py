"""Word lists for the demo portfolio: companies, people, places and habits per region.

Kept apart from the builder so that the lists can grow without touching the logic.  Names are
composed from these parts, so a portfolio of 100,000 accounts still reads like a real ledger:
legal suffixes per country, people's names that fit the region, Japanese company names in
romaji (some with macrons, as real exports are inconsistent), and the characters real data
carries (`O'Brien`, `&`, accents, brackets).  Nothing here names a real company on purpose:
prefixes that would spell a famous one with an industry word (Nihon Denki, Fuji Denki, Tōyō
Kōgyō, Yamato Un'yu) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """One country's naming and formatting habits."""

    code: str                        # ISO 3166 alpha-2
    currency: str
    prefixes: tuple[str, ...]        # the distinctive first part of a company name
    industries: tuple[str, ...]
    suffixes: tuple[str, ...]        # legal forms, weighted by repetition
    industry_first: bool             # "Meccanica Lombarda S.r.l." rather than "Lombarda Meccanica"
    given: tuple[str, ...]
    family: tuple[str, ...]
    family_first: bool               # "Tan Wei Ming"
    cities: tuple[str, ...]
    streets: tuple[str, ...]
    phone: str                       # "#" is a random digit, "@" a US area code
    methods: tuple[str, ...]         # how customers there pay
    branches: tuple[str, ...]        # qualifiers that tell two same-named companies apart


@dataclass(frozen=True)
class Region:
    name: str
    weight: int
    countries: tuple[Country, ...]


_SG = Country(
    code="SG", currency="SGD",
    prefixes=("Lion City", "Straits", "Marina", "Orchid", "Merlion", "Jurong", "Tampines", "Kallang",
              "Changi", "Bukit Timah", "Sentosa", "Tanjong Pagar", "Pasir Panjang", "Serangoon",
              "Clementi", "Bedok", "Harbourfront", "Equator", "Red Dot", "Pearl Bank", "Jade",
              "Golden Lotus", "Sunrise Asia", "Tan & Lim", "Ong Brothers", "Lee & Goh",
              "Kumar & Sons", "Eastern Pacific", "Nanyang", "Temasek Ridge", "Katong", "Raffles Quay",
              "Boon Lay", "Ang Mo Kio", "Kembangan", "Bishan", "Toa Payoh", "Seletar", "Tuas",
              "Chua & Sons", "Wee Brothers", "Lau Pa Sat", "Sembawang", "Punggol", "Novena"),
    industries=("Logistics", "Engineering", "Trading", "Marine Services", "Technologies", "Holdings",
                "Precision Tooling", "Foods", "Electronics", "Consulting", "Biotech",
                "Facilities Management", "Packaging", "Fintech Solutions", "Medical Supplies",
                "Semiconductor Services", "Data Centres", "Shipping Agencies", "Hospitality",
                "Aerospace Components", "Clean Energy", "Retail Group", "Supply Chain"),
    suffixes=("Pte. Ltd.", "Pte. Ltd.", "Pte Ltd", "(S) Pte. Ltd.", "(Asia) Pte. Ltd.", "(Singapore) Pte. Ltd."),
    industry_first=False,
    given=("Wei Ming", "Hui Min", "Jia Hui", "Kok Wai", "Mei Ling", "Jun Jie", "Xin Yi", "Zhi Hao",
           "Shu Fen", "Boon Keng", "Li Ting", "Kai Wen"),
    family=("Tan", "Lim", "Ng", "Goh", "Lee", "Ong", "Chua", "Wong", "Teo", "Koh", "Chan", "Yeo"),
    family_first=True,
    cities=("Singapore",),
    streets=("Marina Boulevard", "Anson Road", "Shenton Way", "Ubi Avenue 3", "Jurong East Street 21",
             "Changi Business Park Crescent", "Kallang Avenue", "Alexandra Road", "Tai Seng Street"),
    phone="+65 6### ####",
    methods=("GIRO", "PayNow", "telegraphic transfer", "cheque"),
    branches=("Jurong", "Changi", "Woodlands", "Tuas", "Paya Lebar"),
)

# Malay and Indian Singaporean names: whole names, mixed into _SG's people.
SG_WHOLE_NAMES = (
    "Nur Aisyah binte Rahman", "Muhammad Faizal bin Ismail", "Siti Nurhaliza binte Ahmad",
    "Priya Nair", "Ravi Shankar", "Arjun Pillai", "Kavitha Subramaniam", "Hafiz bin Osman",
)

_JP = Country(
    code="JP", currency="JPY",
    prefixes=("Tanaka", "Suzuki", "Takahashi", "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Katō",
              "Yoshida", "Yamada", "Sasaki", "Matsumoto", "Inoue", "Kimura", "Hayashi", "Shimizu",
              "Ōta", "Kōno", "Ishikawa", "Maeda", "Wakaba", "Tōkai", "Kansai", "Hokuriku", "Kyūshū",
              "Sakura", "Tamagawa", "Hinode", "Midori", "Shin-Sakae", "Kashiwa", "Sōma", "Chūbu",
              "Tohoku", "Setouchi", "Musashino", "Shōnan", "Hakone", "Kiso", "Aoba", "Mitsuwa",
              "Hibari", "Kawaguchi", "Ōmi", "Izumi"),
    industries=("Seiki", "Denki", "Shōji", "Kōgyō", "Butsuryū", "Tsūshin", "Kensetsu", "Yakuhin",
                "Sangyō", "Giken", "Seisakusho", "Kagaku", "Denshi", "Unyu", "Shokuhin", "Kikai",
                "Shoji", "Kogyo", "Software", "Systems", "Trading", "Engineering"),
    suffixes=("K.K.", "K.K.", "Co., Ltd.", "Co., Ltd.", "Corporation", "Kabushiki Kaisha"),
    industry_first=False,
    given=("Yuki", "Haruto", "Sakura", "Kenji", "Aiko", "Takumi", "Naoko", "Hiroshi", "Emi", "Daisuke",
           "Mai", "Shōta", "Yūko", "Kazuo", "Rie", "Tomoya"),
    family=("Satō", "Suzuki", "Takahashi", "Tanaka", "Itō", "Watanabe", "Yamamoto", "Nakamura",
            "Kobayashi", "Kato", "Yoshida", "Yamada", "Sasaki", "Mori", "Abe", "Ikeda"),
    family_first=False,
    cities=("",),  # the streets below carry ward, city and postcode: they only fit together
    streets=("Marunouchi, Chiyoda-ku, Tokyo 100-0005", "Nihonbashi, Chūō-ku, Tokyo 103-0027",
             "Shiba, Minato-ku, Tokyo 105-0014", "Umeda, Kita-ku, Osaka 530-0001",
             "Sakae, Naka-ku, Nagoya 460-0008", "Minatomirai, Nishi-ku, Yokohama 220-0012",
             "Tenjin, Chūō-ku, Fukuoka 810-0001", "Ōtemachi, Chiyoda-ku, Tokyo 100-0004",
             "Karasuma-dōri, Shimogyō-ku, Kyoto 600-8008", "Ichibanchō, Aoba-ku, Sendai 980-0811"),
    phone="+81 3-####-####",
    methods=("bank transfer (furikomi)", "bank transfer (furikomi)", "promissory note (tegata)"),
    branches=("Osaka", "Nagoya", "Fukuoka", "Sendai", "Hiroshima"),
)

_AU = Country(
    code="AU", currency="AUD",
    prefixes=("Southern Cross", "Kookaburra", "Harbourside", "Coral Coast", "Red Centre", "Bondi",
              "Murray River", "Blue Gum", "Wattle", "Eureka", "Outback", "Pacific Edge", "Tasman",
              "Barossa", "Kimberley", "Nullarbor", "Yarra", "Gold Coast", "O'Brien & Sons",
              "Nguyen & Co", "Kelly & Partners", "McKenzie Bros", "Sunshine Coast", "Hunter Valley",
              "Ironbark", "Jacaranda", "Darling Harbour", "Parramatta", "Fremantle", "Cape York",
              "Gippsland", "Illawarra", "Macquarie Park", "Riverina", "Snowy Mountains", "Whitsunday",
              "Byron", "Derwent", "Flinders", "Mallee"),
    industries=("Mining Services", "Freight", "Analytics", "Construction", "Agribusiness", "Plumbing",
                "Health", "Software", "Energy", "Hospitality Group", "Engineering", "Logistics",
                "Solar", "Civil Works", "Education", "Property Services", "Wine Co", "Water Services",
                "Security", "Print & Media"),
    suffixes=("Pty Ltd", "Pty Ltd", "Pty. Ltd.", "Pty Ltd", "Pty Limited"),
    industry_first=False,
    given=("Jack", "Olivia", "Liam", "Charlotte", "Noah", "Mia", "William", "Ava", "Chloe", "Lachlan",
           "Isla", "Harrison", "Matilda", "Cooper", "Zoe", "Mitchell"),
    family=("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "O'Brien", "McDonald",
            "Kelly", "Murphy", "Papadopoulos", "Singh", "Chen", "Ryan", "Walsh"),
    family_first=False,
    cities=("",),  # as for Japan: street and city belong together
    streets=("George Street, Sydney NSW 2000", "Collins Street, Melbourne VIC 3000",
             "Queen Street, Brisbane QLD 4000", "St Georges Terrace, Perth WA 6000",
             "King William Street, Adelaide SA 5000", "Elizabeth Street, Hobart TAS 7000",
             "Northbourne Avenue, Canberra ACT 2601", "Hunter Street, Newcastle NSW 2300",
             "Pitt Street, Sydney NSW 2000", "Flinders Lane, Melbourne VIC 3000"),
    phone="+61 2 5550 ####",         # ACMA's range for fictional use
    methods=("EFT", "EFT", "BPAY", "credit card"),
    branches=("Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"),
)

_US = Country(
    code="US", currency="USD",
    prefixes=("Blue Ridge", "Lakeshore", "Golden Gate", "Lone Star", "Evergreen", "Summit", "Riverbend",
              "Granite State", "Cascade", "Prairie", "Harbor Point", "Redwood", "Hudson", "Magnolia",
              "Great Lakes", "Keystone", "Sierra", "Bayou", "Garcia & Partners", "Johnson & O'Connor",
              "Kim Brothers", "Patel & Sons", "Appalachian", "Chesapeake", "Mesa Verde", "Ozark",
              "Pioneer Valley", "Silver Creek", "Tidewater", "Twin Cities", "Yellowstone", "Atlantic Coast",
              "Badger State", "Copper Canyon", "Delta Point", "Empire Plaza", "Frontier", "Heartland",
              "Iron Range", "Juniper", "Old Dominion", "Pacific Crest", "Rio Grande", "Sunbelt"),
    industries=("Software", "Medical Supply", "Logistics", "Manufacturing", "Analytics", "Retail Group",
                "Health Systems", "Consulting Group", "Energy", "Foods", "Data Services", "Robotics",
                "Dental Partners", "Construction", "Insurance Services", "Labs", "Staffing",
                "Marketing", "Aviation Services", "Title & Escrow", "Print Solutions", "Biosciences"),
    suffixes=("Inc.", "Inc.", ", Inc.", "LLC", "LLC", "Corp.", "Co."),
    industry_first=False,
    given=("James", "Maria", "Robert", "Jennifer", "Michael", "Linda", "David", "Patricia", "Carlos",
           "Aisha", "Kevin", "Emily", "DeShawn", "Mei", "Tyler", "Rosa"),
    family=("Smith", "Johnson", "Garcia", "Martinez", "O'Connor", "Washington", "Kim", "Patel", "Nguyen",
            "Rodriguez", "Miller", "D'Angelo", "Brown", "Davis", "Lopez", "Anderson"),
    family_first=False,
    cities=("Austin, TX 78701", "Denver, CO 80202", "Columbus, OH 43215", "Portland, OR 97204",
            "Raleigh, NC 27601", "Madison, WI 53703", "Boston, MA 02110", "Phoenix, AZ 85004",
            "Atlanta, GA 30303", "Minneapolis, MN 55402"),
    streets=("Main Street", "Market Street", "Oak Avenue", "Commerce Drive", "Broadway", "Elm Street",
             "Industrial Parkway", "Lake Shore Drive"),
    phone="+1 (@) 555-01##",    # 555-0100 to 555-0199 are reserved for fiction
    methods=("ACH", "ACH", "wire", "check", "credit card"),
    branches=("West", "East", "Midwest", "Southeast", "Texas"),
)

_DE = Country(
    code="DE", currency="EUR",
    prefixes=("Nordlicht", "Rheinland", "Alpen", "Schwarzwald", "Elbe", "Hanse", "Bayern", "Spree",
              "Müller", "Schäfer & Söhne", "Weser", "Taunus", "Harz", "Main-Kinzig", "Bodensee",
              "Kölner", "Lüneburger", "Fränkische", "Oberpfälzer", "Münchner"),
    industries=("Maschinenbau", "Logistik", "Software", "Elektrotechnik", "Medizintechnik",
                "Verpackung", "Handel", "Automation", "Anlagenbau", "Datentechnik", "Gebäudetechnik"),
    suffixes=("GmbH", "GmbH", "GmbH", "AG", "GmbH & Co. KG"),
    industry_first=False,
    given=("Jürgen", "Anna", "Lukas", "Sophie", "Matthias", "Katrin", "Jörg", "Lena", "Stefan", "Sabine"),
    family=("Müller", "Schmidt", "Schäfer", "Weiß", "Becker", "Köhler", "Hoffmann", "Krüger", "Wagner", "Groß"),
    family_first=False,
    cities=("10115 Berlin", "80331 München", "20095 Hamburg", "50667 Köln", "60311 Frankfurt am Main",
            "70173 Stuttgart", "04109 Leipzig"),
    streets=("Hauptstraße", "Bahnhofstraße", "Industriestraße", "Königsallee", "Friedrichstraße"),
    phone="+49 30 #######",
    methods=("SEPA credit transfer", "SEPA credit transfer", "SEPA direct debit"),
    branches=("Nord", "Süd", "Ost", "West", "Berlin"),
)

_NL = Country(
    code="NL", currency="EUR",
    prefixes=("Van den Berg", "Oranje", "Delta", "Polder", "Zuiderzee", "Noordzee", "De Vries", "Amstel",
              "Tulip", "Maas", "Veluwe", "Brabant", "Zeeland", "Van Dijk & Zonen", "IJssel"),
    industries=("Techniek", "Logistiek", "Software", "Handel", "Installaties", "Data", "Transport",
                "Agritech", "Bouw"),
    suffixes=("B.V.", "B.V.", "B.V.", "N.V."),
    industry_first=False,
    given=("Pieter", "Sanne", "Daan", "Lotte", "Bram", "Femke", "Joost", "Anouk"),
    family=("de Vries", "van den Berg", "Jansen", "Bakker", "van Dijk", "Visser", "de Jong", "Smit"),
    family_first=False,
    cities=("1012 AB Amsterdam", "3011 AD Rotterdam", "3511 AX Utrecht", "5611 AB Eindhoven", "2511 BT Den Haag"),
    streets=("Keizersgracht", "Coolsingel", "Stationsplein", "Industrieweg", "Marktstraat"),
    phone="+31 20 ### ####",
    methods=("SEPA credit transfer", "iDEAL", "SEPA direct debit"),
    branches=("Noord", "Zuid", "Randstad", "Rotterdam"),
)

_FR = Country(
    code="FR", currency="EUR",
    prefixes=("Lumière", "Provence", "Atlantique", "Côte d'Azur", "Seine", "Bordelaise", "Alpine",
              "Rousseau & Fils", "Bretagne", "Normandie", "Garonne", "Loire", "Lyonnaise", "Vosges",
              "Méditerranée"),
    industries=("Systèmes", "Logistique", "Informatique", "Industries", "Conseil", "Énergie",
                "Emballages", "Télécom", "Services"),
    suffixes=("S.A.", "S.A.", "SAS", "SARL"),
    industry_first=False,
    given=("Amélie", "Julien", "Hélène", "François", "Camille", "Théo", "Chloé", "Benoît", "Élodie"),
    family=("Dubois", "Lefèvre", "Moreau", "Girard", "Rousseau", "Lambert", "Faure", "Mercier", "Bézier"),
    family_first=False,
    cities=("75008 Paris", "69002 Lyon", "13001 Marseille", "33000 Bordeaux", "31000 Toulouse", "44000 Nantes"),
    streets=("rue de Rivoli", "avenue des Champs-Élysées", "boulevard Haussmann", "rue de la République",
             "quai des Chartrons"),
    phone="+33 1 ## ## ## ##",
    methods=("virement SEPA", "virement SEPA", "prélèvement SEPA", "chèque"),
    branches=("Paris", "Lyon", "Sud", "Ouest"),
)

_ES = Country(
    code="ES", currency="EUR",
    prefixes=("Ibérica", "Levante", "Cantábrico", "Andaluza", "Castellana", "Mediterráneo",
              "Núñez y Asociados", "Galaica", "Balear", "Navarra", "Riojana", "Aragonesa"),
    industries=("Distribuciones", "Logística", "Tecnologías", "Ingeniería", "Envases", "Servicios",
                "Construcciones", "Alimentación"),
    suffixes=("S.A.", "S.A.", "S.L.", "S.L."),
    industry_first=True,
    given=("José", "María", "Lucía", "Javier", "Álvaro", "Inés", "Sergio", "Begoña"),
    family=("García", "Martínez", "Fernández", "López", "Núñez", "Sánchez", "Gómez", "Peña"),
    family_first=False,
    cities=("28001 Madrid", "08002 Barcelona", "46002 Valencia", "41001 Sevilla", "48001 Bilbao"),
    streets=("Calle de Alcalá", "Paseo de Gracia", "Gran Vía", "Avenida de la Constitución"),
    phone="+34 91 ### ## ##",
    methods=("transferencia SEPA", "transferencia SEPA", "pagaré"),
    branches=("Madrid", "Cataluña", "Levante", "Norte"),
)

_IT = Country(
    code="IT", currency="EUR",
    prefixes=("Adriatica", "Lombarda", "Toscana", "Vesuvio", "Dolomiti", "Bianchi & Figli", "Ligure",
              "Emiliana", "Sarda", "Veneta", "Piemontese", "Sicula"),
    industries=("Meccanica", "Logistica", "Software", "Impianti", "Tessile", "Alimentare", "Farmaceutica",
                "Arredamenti"),
    suffixes=("S.r.l.", "S.r.l.", "S.p.A."),
    industry_first=True,
    given=("Giulia", "Marco", "Francesca", "Luca", "Alessandro", "Chiara", "Niccolò", "Federica"),
    family=("Rossi", "Bianchi", "Esposito", "Ricci", "D'Amico", "Romano", "Colombo", "Gallo"),
    family_first=False,
    cities=("20121 Milano", "00184 Roma", "10121 Torino", "40121 Bologna", "50123 Firenze"),
    streets=("Via Roma", "Corso Vittorio Emanuele II", "Via Garibaldi", "Viale Monza"),
    phone="+39 02 #### ####",
    methods=("bonifico SEPA", "bonifico SEPA", "Ri.Ba."),
    branches=("Nord", "Centro", "Sud", "Milano"),
)

REGIONS: tuple[Region, ...] = (
    Region("Singapore", 15, (_SG,)),
    Region("Japan", 15, (_JP,)),
    Region("Australia", 15, (_AU,)),
    Region("United States", 30, (_US,)),
    Region("Europe", 25, (_DE, _DE, _NL, _FR, _ES, _IT)),
)

US_AREA_CODES = ("212", "312", "415", "512", "617", "303", "404", "206", "614", "919", "602", "612")

# Now and then a name carries what real ERP data carries: a legacy tag, a trading name.
NAME_DECORATIONS = (" [Legacy]", " (formerly {other})", " t/a {other}", " [DO NOT USE]")

ROLES_PRIMARY = ("AP clerk", "AP clerk", "AP manager")
ROLES_OTHER = ("controller", "CFO", "AP manager", "finance director", "procurement")

AP_MAILBOXES = ("accounts.payable", "ap", "invoices", "finance", "payables")

# People on our side.
SALES_OWNERS = ("Alex Morgan", "Priya Desai", "Tom Becker", "Grace Ho", "Kenta Mori", "Sophie Laurent",
                "Ben Carter", "Olivia Tan", "Lucas Silva", "Hannah Weiss")
COLLECTIONS_MANAGERS = ("Dana Whitfield", "Rahul Mehta", "Claire Dubois")
DIRECTORS = ("Margaret Osei", "Hiroshi Nakamura")
CREDIT_ANALYSTS = ("Ines Castillo", "Wei Jie Lim", "Sam O'Neill")
DISPUTE_OWNERS = {
    "sales_ops": ("Nadia Rahman", "Chris Doyle", "Yui Takeda"),
    "sales": ("Alex Morgan", "Priya Desai", "Tom Becker", "Grace Ho"),
    "billing": ("Billing Team", "Marta Kowalski", "Jonas Berg"),
}

# Dispute reason -> (team it is routed to, what the customer says, share of the invoice in
# dispute as a percentage range).
DISPUTE_REASONS: dict[str, tuple[str, str, int, int]] = {
    "pricing": ("sales_ops", "the price does not match the quote", 10, 40),
    "quantity": ("billing", "they were billed for more seats than they use", 10, 50),
    "not_received": ("sales_ops", "the service was never delivered", 100, 100),
    "duplicate_billing": ("billing", "the invoice duplicates an earlier one", 100, 100),
    "tax": ("billing", "the wrong tax rate was applied", 5, 10),
    "contract_terms": ("sales", "the renewal terms differ from the signed contract", 20, 100),
    "service_issue": ("sales", "they are owed a credit for an outage", 10, 30),
    "other": ("billing", "the PO number is missing from the invoice", 100, 100),
}

CALL_NOTES = {
    "no_answer": "No answer on the AP line.",
    "voicemail": "Left a voicemail for {contact} asking for a payment date.",
    "reached": "Spoke to {contact}: invoice {number} is approved, in their next payment run.",
    "wrong_contact": "{contact} no longer handles payables; asked for the new AP contact.",
    "paid_claimed": "{contact} says {number} was paid; asked for the remittance advice.",
    "refused": "{contact} will not pay {number} until their cash position improves.",
}

DISTRESS_NOTES = (
    "Customer reports cash-flow difficulties; CFO asked for a payment plan.",
    "Lost their largest client this quarter; paying suppliers in instalments.",
    "Bank facility under review; payments on hold until the refinancing closes.",
    "Restructuring announced; finance team halved.",
)
