package thelook

// The name and place lists stand in for the Faker locale and the world population
// table of the original generator. Names are plain ASCII words, so an email is
// simply their lower-cased concatenation.

var maleFirstNames = []string{
	"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
	"Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Donald", "Steven", "Paul", "Andrew", "Joshua",
	"Kenneth", "Kevin", "Brian", "George", "Timothy", "Ronald", "Edward", "Jason", "Jeffrey", "Ryan",
	"Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Stephen", "Larry", "Justin", "Scott", "Brandon",
	"Benjamin", "Samuel", "Gregory", "Alexander", "Frank", "Patrick", "Raymond", "Jack", "Dennis", "Jerry",
	"Tyler", "Aaron", "Jose", "Adam", "Nathan", "Henry", "Douglas", "Zachary", "Peter", "Kyle",
}

var femaleFirstNames = []string{
	"Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah", "Karen",
	"Lisa", "Nancy", "Betty", "Margaret", "Sandra", "Ashley", "Kimberly", "Emily", "Donna", "Michelle",
	"Carol", "Amanda", "Dorothy", "Melissa", "Deborah", "Stephanie", "Rebecca", "Sharon", "Laura", "Cynthia",
	"Kathleen", "Amy", "Angela", "Shirley", "Anna", "Brenda", "Pamela", "Emma", "Nicole", "Helen",
	"Samantha", "Katherine", "Christine", "Debra", "Rachel", "Carolyn", "Janet", "Catherine", "Maria", "Heather",
	"Diane", "Ruth", "Julie", "Olivia", "Joyce", "Virginia", "Victoria", "Kelly", "Lauren", "Christina",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes",
	"Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper",
	"Peterson", "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson",
}

// emailDomains are Faker's free-mail domains.
var emailDomains = []string{"gmail.com", "yahoo.com", "hotmail.com"}

var streetNames = []string{
	"Maple", "Oak", "Pine", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Main",
	"Sunset", "Ridge", "Meadow", "River", "Forest", "Spring", "Church", "Mill", "Valley", "Highland",
}

var streetSuffixes = []string{"Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Boulevard"}

// location is one populated place: users live in one, ghost sessions come from one.
type location struct {
	country, state, city, postalCode string
	lat, lon                         float64
	weight                           float64 // share of all people
}

// locations covers the 16 countries of thelook, with its duplicate spellings
// (Brasil; España next to Spain; Deutschland next to Germany) kept on purpose.
// Weights follow thelook's country mix; the likely places come first for pick.
var locations = []location{
	{"China", "Shanghai", "Shanghai", "200000", 31.2304, 121.4737, .10},
	{"China", "Beijing", "Beijing", "100000", 39.9042, 116.4074, .08},
	{"China", "Guangdong", "Guangzhou", "510000", 23.1291, 113.2644, .06},
	{"China", "Guangdong", "Shenzhen", "518000", 22.5431, 114.0579, .04},
	{"China", "Sichuan", "Chengdu", "610000", 30.5728, 104.0668, .03},
	{"China", "Hubei", "Wuhan", "430000", 30.5928, 114.3055, .03},
	{"United States", "California", "Los Angeles", "90001", 34.0522, -118.2437, .05},
	{"United States", "New York", "New York", "10001", 40.7506, -73.9972, .05},
	{"United States", "Texas", "Houston", "77001", 29.7604, -95.3698, .035},
	{"United States", "Illinois", "Chicago", "60601", 41.8853, -87.6216, .03},
	{"United States", "Florida", "Miami", "33101", 25.7743, -80.1937, .025},
	{"United States", "Texas", "Dallas", "75201", 32.7876, -96.7994, .02},
	{"United States", "Washington", "Seattle", "98101", 47.6101, -122.3344, .015},
	{"Brasil", "São Paulo", "São Paulo", "01000-000", -23.5505, -46.6333, .06},
	{"Brasil", "Rio de Janeiro", "Rio de Janeiro", "20000-000", -22.9068, -43.1729, .04},
	{"Brasil", "Minas Gerais", "Belo Horizonte", "30100-000", -19.9167, -43.9345, .025},
	{"Brasil", "Bahia", "Salvador", "40000-000", -12.9777, -38.5016, .02},
	{"South Korea", "Seoul", "Seoul", "04524", 37.5665, 126.978, .03},
	{"South Korea", "Busan", "Busan", "48058", 35.1796, 129.0756, .013},
	{"South Korea", "Gyeonggi-do", "Suwon", "16490", 37.2636, 127.0286, .01},
	{"France", "Île-de-France", "Paris", "75001", 48.8566, 2.3522, .025},
	{"France", "Auvergne-Rhône-Alpes", "Lyon", "69001", 45.764, 4.8357, .012},
	{"France", "Provence-Alpes-Côte d'Azur", "Marseille", "13001", 43.2965, 5.3698, .01},
	{"United Kingdom", "England", "London", "EC1A 1BB", 51.5074, -0.1278, .028},
	{"United Kingdom", "England", "Manchester", "M1 1AE", 53.4808, -2.2426, .01},
	{"United Kingdom", "Scotland", "Glasgow", "G1 1XQ", 55.8642, -4.2518, .008},
	{"Germany", "Berlin", "Berlin", "10115", 52.52, 13.405, .02},
	{"Germany", "Bayern", "Munich", "80331", 48.1351, 11.582, .012},
	{"Germany", "Hamburg", "Hamburg", "20095", 53.5511, 9.9937, .01},
	{"Spain", "Madrid", "Madrid", "28001", 40.4168, -3.7038, .02},
	{"Spain", "Catalonia", "Barcelona", "08001", 41.3874, 2.1686, .013},
	{"Spain", "Valencia", "Valencia", "46001", 39.4699, -0.3763, .007},
	{"Japan", "Tokyo", "Tokyo", "100-0001", 35.6762, 139.6503, .016},
	{"Japan", "Osaka", "Osaka", "530-0001", 34.6937, 135.5023, .008},
	{"Australia", "New South Wales", "Sydney", "2000", -33.8688, 151.2093, .01},
	{"Australia", "Victoria", "Melbourne", "3000", -37.8136, 144.9631, .007},
	{"Australia", "Queensland", "Brisbane", "4000", -27.4698, 153.0251, .004},
	{"Belgium", "Brussels", "Brussels", "1000", 50.8503, 4.3517, .007},
	{"Belgium", "Flanders", "Antwerp", "2000", 51.2194, 4.4025, .005},
	{"Poland", "Mazowieckie", "Warsaw", "00-001", 52.2297, 21.0122, .0015},
	{"Poland", "Małopolskie", "Kraków", "30-001", 50.0647, 19.945, .001},
	{"Deutschland", "Nordrhein-Westfalen", "Köln", "50667", 50.9375, 6.9603, .0008},
	{"Colombia", "Bogotá", "Bogotá", "110111", 4.711, -74.0721, .0005},
	{"Austria", "Wien", "Vienna", "1010", 48.2082, 16.3738, .0005},
	{"España", "Andalucía", "Sevilla", "41001", 37.3891, -5.9845, .0004},
}

// brands of the catalog; some have spaces and capitals, which the department uri
// removes and lower-cases.
var brands = []string{
	"Allegra K", "Calvin Klein", "Carhartt", "Hanes", "Levi's", "Tommy Hilfiger", "Columbia", "Nautica",
	"Ray-Ban", "Champion", "Quiksilver", "Jockey", "Dockers", "Volcom", "Hurley", "Speedo",
	"Fruit of the Loom", "Lucky Brand", "Alo Yoga", "Nike", "Under Armour", "Puma", "Adidas", "Wrangler",
	"Lee", "Diesel", "Guess", "Vince Camuto", "Anne Klein", "Jones New York", "Ralph Lauren", "Kenneth Cole",
	"Van Heusen", "Izod", "Haggar", "Dickies", "Patagonia", "The North Face", "Marmot", "Oakley",
	"Billabong", "Roxy", "Maidenform", "Wacoal", "Bali", "Spanx", "Motherhood Maternity", "Jessica London",
}

// Each department sells its own set of the 26 categories, as in thelook.
var (
	menCategories = []string{"Accessories", "Active", "Fashion Hoodies & Sweatshirts", "Jeans",
		"Outerwear & Coats", "Pants", "Shorts", "Sleep & Lounge", "Socks", "Suits & Sport Coats", "Sweaters",
		"Swim", "Tops & Tees", "Underwear"}
	womenCategories = []string{"Accessories", "Active", "Blazers & Jackets", "Clothing Sets", "Dresses",
		"Fashion Hoodies & Sweatshirts", "Intimates", "Jeans", "Jumpsuits & Rompers", "Leggings", "Maternity",
		"Outerwear & Coats", "Pants & Capris", "Plus", "Shorts", "Skirts", "Sleep & Lounge", "Socks & Hosiery",
		"Suits", "Sweaters", "Swim", "Tops & Tees"}
)

// categoryNoun names an item of a category in product names, and basePrice is its
// typical retail price in dollars.
var (
	categoryNoun = map[string]string{
		"Accessories": "Belt", "Active": "Training Top", "Blazers & Jackets": "Blazer", "Clothing Sets": "Set",
		"Dresses": "Dress", "Fashion Hoodies & Sweatshirts": "Hoodie", "Intimates": "Bralette", "Jeans": "Jeans",
		"Jumpsuits & Rompers": "Jumpsuit", "Leggings": "Leggings", "Maternity": "Maternity Top",
		"Outerwear & Coats": "Coat", "Pants": "Chinos", "Pants & Capris": "Capris", "Plus": "Plus Tunic",
		"Shorts": "Shorts", "Skirts": "Skirt", "Sleep & Lounge": "Pajama Set", "Socks": "Socks",
		"Socks & Hosiery": "Tights", "Suits": "Suit", "Suits & Sport Coats": "Sport Coat", "Sweaters": "Sweater",
		"Swim": "Swimsuit", "Tops & Tees": "Tee", "Underwear": "Boxer Briefs",
	}
	basePrice = map[string]float64{
		"Accessories": 30, "Active": 40, "Blazers & Jackets": 90, "Clothing Sets": 60, "Dresses": 70,
		"Fashion Hoodies & Sweatshirts": 50, "Intimates": 25, "Jeans": 75, "Jumpsuits & Rompers": 55,
		"Leggings": 30, "Maternity": 40, "Outerwear & Coats": 140, "Pants": 55, "Pants & Capris": 45,
		"Plus": 45, "Shorts": 35, "Skirts": 45, "Sleep & Lounge": 40, "Socks": 12, "Socks & Hosiery": 15,
		"Suits": 160, "Suits & Sport Coats": 190, "Sweaters": 70, "Swim": 45, "Tops & Tees": 25,
		"Underwear": 20,
	}
	styleWords    = []string{"Classic", "Slim Fit", "Relaxed", "Vintage", "Essential", "Premium", "Everyday", "Stretch"}
	materialWords = []string{"Cotton", "Linen", "Wool", "Denim", "Jersey", "Fleece", "Silk", "Knit"}
)
