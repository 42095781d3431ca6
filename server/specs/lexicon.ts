/**
 * Word lists the completeness model reads text with. Pure data (browser-safe). Everything is
 * looked up in Sets, one token or one joined bigram/trigram at a time: no regular expression
 * runs over user text here.
 */

const set = (words: string): ReadonlySet<string> => new Set(words.trim().split(/\s+/));

/**
 * Function words of English and of the other languages specs are often written in. Real prose has
 * a good share of them; lorem ipsum, keyboard mashing and keyword soup have almost none.
 */
export const FUNCTION_WORDS = set(`
  a an the and or but nor so yet of to in on at by for with from into onto over under about after before
  between through during without within against among is are was were be been being am has have had do does did
  will would shall should can could may might must not no it its this that these those there here which who whom
  whose what when where why how if then than as such each every all any both either neither some more most other
  another same own only also very just too i we you he she they me us him her them my our your his their
  de la el los las un una y o que en por para con del al se es son lo le les des du et ou dans sur pour avec est
  der die das und oder ein eine zu mit von ist sind nicht auf für im den dem o os as um uma e em com não do da dos
  il lo gli le una e di da per con non che del della è sono
`);

/** Distinctive words of lorem ipsum filler (common English look-alikes such as "in" or "id" left out). */
export const LOREM_WORDS = set(`
  lorem ipsum dolor amet consectetur consectetuer adipiscing adipisicing elit eiusmod tempor incididunt labore
  dolore aliqua enim minim veniam quis nostrud exercitation ullamco laboris nisi aliquip commodo consequat duis
  aute irure reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint occaecat cupidatat
  proident sunt culpa officia deserunt mollit anim laborum vestibulum pellentesque curabitur nunc nibh mauris vitae
  etiam aenean quisque donec integer fusce nullam phasellus morbi praesent suspendisse maecenas vivamus sapien
  tortor augue lectus mattis tincidunt ultricies viverra sollicitudin elementum faucibus aliquam lacinia ornare
  porttitor rhoncus scelerisque egestas dignissim blandit fringilla efficitur hendrerit interdum
`);

/** Tokens people type when they have nothing to say. */
export const MASH_WORDS = set(`
  asdf asdfgh qwerty qwer zxcv foo bar baz qux quux blah blahblah xyz abc xxx yyy zzz aaa bbb ccc hjkl jkl sdf fgh
  dummy placeholder filler gibberish
`);

/** Words that promise a quality without saying how it is measured. */
export const VAGUE_WORDS = set(`
  fast faster quick quickly slow easy easily simple simply better improved improve improves efficient efficiently
  robust scalable seamless seamlessly intuitive intuitively nice good great modern clean flexible performant
  lightweight reasonable reasonably appropriate appropriately various optimal optimally smooth smoothly snappy
  blazing powerful delightful delight delights frictionless streamlined streamline leverage leverages leveraging synergy
  synergies holistic revolutionary innovative enhanced enhance enhances optimize optimized optimise optimised
  reliable reliably awesome amazing beautiful elegant sleek polished engaging compelling superior excellent perfect
  perfectly proper properly adequate adequately sufficient user-friendly best-in-class world-class cutting-edge
  state-of-the-art next-generation next-gen game-changing bleeding-edge enterprise-grade mission-critical
  ai-powered empower empowers empowering disruptive transformative
`);

/** Multi-word vague phrases, matched on joined lower-case tokens. */
export const VAGUE_PHRASES = set(`
  user_friendly as_needed high_quality state_of_the_art best_in_class world_class and_so_on as_appropriate
  if_needed where_appropriate and_more works_well works_fine works_correctly works_properly works_as_expected
  just_works it_works everything_works all_works should_work must_work will_work move_the_needle
  best_practices industry_standard
`);

/** "It works"-style statements: say nothing an agent could check. */
export const EMPTY_CLAIM_SUBJECTS = set(`it this that everything everything's all things stuff system feature app product`);
export const EMPTY_CLAIM_VERBS = set(`works work worked functions functioning`);
export const EMPTY_CLAIM_TAILS = set(`works work fine well ok okay correctly properly good great done perfect perfectly smoothly`);

/** Whole-item non-content ("None", "N/A", "TBD"): only the words after markup are compared. */
export const NON_CONTENT_ITEMS = set(`
  none n/a na nil nothing null tbd tba todo tbc wip pending later soon - -- ... … ? ?? ??? x y yes no ok
  not_applicable to_be_determined to_be_decided coming_soon see_above see_below
`);

/** Placeholder tokens left in a document. */
export const PLACEHOLDER_TOKENS = set(`TBD TBA TBC TODO FIXME XXX ??? ?? $ARGUMENTS NNN ###`);

/** Verbs and participles of outcomes an agent or a test can observe. */
export const OBSERVABLE = set(`
  return returns returned returning respond responds responded response responses show shows shown showing display
  displays displayed print prints printed output outputs exit exits exited emit emits emitted write writes written
  create creates created reject rejects rejected refuse refuses refused accept accepts accepted render renders
  rendered redirect redirects redirected log logs logged send sends sent store stores stored save saves saved persist
  persists persisted delete deletes deleted remove removes removed list lists listed contain contains contained
  include includes included equal equals matches match matched fail fails failed error errors raise raises raised
  throw throws thrown appear appears appeared visible hidden disabled enabled block blocks blocked allow allows
  allowed deny denies denied succeed succeeds succeeded timeout warn warns warned report reports reported notify
  notifies notified download downloads downloaded upload uploads uploaded increment increments incremented decrement
  decrements update updates updated open opens opened close closes closed navigate navigates receive receives
  received compute computes computed count counts counted sort sorts sorted filter filters filtered validate validates
  validated retry retries retried expire expires expired lock locks locked unlock unlocks compile compiles compiled
  panic panics produce produces produced generate generates generated yield yields becomes stays remains skip skips
  skipped ignore ignores ignored truncate truncates truncated round rounds rounded convert converts converted parse
  parses parsed migrate migrates migrated sign signs signed reads read writes emit set sets exists register
  registers registered replace replaces replaced rename renames renamed archive archives archived restore restores
  restored cancel cancels cancelled canceled pause pauses paused resume resumes resumed fall falls fallback
  highlight highlights highlighted select selects selected spawn spawns spawned execute executes executed run runs
  start starts started stop stops stopped invoke invokes invoked trigger triggers triggered commit commits committed
  occur occurs exist install installs installed build builds built pass passes passed deploy deploys deployed publish
  publishes published prompt prompts prompted available unavailable accessible usable supported unsupported
  exported re-exported reexported stabilized stabilised deprecated forbidden denied moved lints linted
`);
/** Numbers written as words ("exactly one commit", "at most three retries"). */
export const NUMBER_WORDS = set(`zero one two three four five six seven eight nine ten eleven twelve twenty thirty fifty hundred thousand million half twice once`);
/** Labels of metadata lines ("**Priority**: P1", "Status: Draft"): not content. */
export const META_LABELS = set(`
  priority status owner owners author authors date created updated last_updated version feature_branch branch input
  estimate effort complexity labels assignee target_release release reviewers approvers sig tracking_issue
  issue pr rfc_pr rust_issue start_date feature_name kep_number stage milestone latest_milestone impacts why_needed
  spec plan tasks prerequisites
`);

/** Modal words of requirements ("MUST", "shall"): they make a sentence a requirement, not its outcome. */
export const MODALS = set(`must shall should will may cannot can't won't mustn't shan't`);

/** Words that open a condition; "then"/"," close it. */
export const CONDITION_OPENERS = set(`when if after once whenever upon while before unless given`);

/** Units and counted nouns a number can carry. Time/size/percent units make a strong measure. */
export const STRONG_UNITS = set(`
  ms msec millisecond milliseconds s sec secs second seconds min mins minute minutes h hr hrs hour hours day days
  week weeks month months kb mb gb tb kib mib gib tib byte bytes bit bits % percent pct px em rem rps qps tps fps
  hz khz mhz ghz kbps mbps gbps req/s req/min requests/second requests/minute ops/s µs us ns microseconds nanoseconds
`);
export const COUNT_UNITS = set(`
  request requests req user users item items record records row rows entry entries character characters char chars
  line lines file files task tasks time times retry retries attempt attempts step steps click clicks connection
  connections node nodes pod pods replica replicas core cores cpu cpus thread threads worker workers job jobs message
  messages event events result results page pages tag tags token tokens word words digit digits decimal decimals
  column columns field fields version versions email emails call calls query queries session sessions tab tabs
  option options level levels decimal_places retries point points times/day concurrent instances instance commit
  commits agent agents branch branches repository repositories directory directories folder folders command commands
  argument arguments flag flags key keys
`);
/** Words before a number that bound it ("under 200 ms", "at most 5"). */
export const COMPARATORS = set(`
  under below less fewer more greater above over within exceed exceeds exceeding maximum minimum max min up exactly
  least most between than only precisely exactly p50 p90 p95 p99 p999 <= >= < > ≤ ≥ = ==
`);

/** Test vocabulary: a test expectation names a kind of test, a tool or a test file. */
export const TEST_WORDS = set(`
  test tests tested testing unit integration e2e end-to-end regression snapshot fixture fixtures assert asserts
  asserted assertion assertions verify verifies verified verification coverage benchmark benchmarks pytest jest vitest
  mocha jasmine junit rspec playwright cypress selenium testgrid conformance golden smoke fuzz fuzzing property-based
  contract-test ci e2e-tests testcase testcases scenario scenarios qa
`);

/** Words that make a line about the user interface. */
export const UI_WORDS = set(`
  ui ux button buttons click clicks clicking page pages screen screens modal modals dialog dialogs form forms
  dropdown dropdowns checkbox checkboxes sidebar navbar menu menus tooltip tooltips toast toasts banner banners
  spinner spinners layout responsive frontend front-end css tailwind widget widgets icon icons textarea toggle
  toggles wizard drawer popover carousel breadcrumb breadcrumbs viewport hover keyboard a11y accessibility
  screenreader screen-reader aria wcag dark-mode figma wireframe wireframes mockup mockups homepage navbar
`);
/** UI states a spec of screen work should name. */
export const UI_STATES = set(`
  loading empty error errors success disabled enabled hover focus focused selected active inactive pending spinner
  skeleton offline placeholder validation invalid valid expanded collapsed readonly read-only hidden visible
  warning confirmation
`);
/** Interactions a spec of screen work should name. */
export const UI_INTERACTIONS = set(`
  click clicks clicked tap taps tapped press presses pressed type types typed enter enters select selects selected
  drag drags dragged drop drops scroll scrolls swipe swipes hover hovers submit submits submitted keyboard shortcut
  shortcuts tab focus opens closes toggles toggle expand expands collapse collapses dismiss dismisses paste pastes
`);

/** Words that tie a line to another system, module or contract. */
export const DEPENDENCY_WORDS = set(`
  depends depend dependency dependencies requires require required relies rely uses use using integrates integrate
  integration calls call consumes consume built based compatible provided provides api apis endpoint endpoints schema
  schemas contract contracts interface interfaces library libraries package packages module modules service services
  sdk migration migrations table tables column columns field fields event events queue queues topic topics webhook
  webhooks protocol format header headers version upstream downstream database storage crd crds
`);
export const HTTP_METHODS = set(`GET POST PUT PATCH DELETE HEAD OPTIONS`);

/** Openers of a line that rules something out. */
export const EXCLUSION_OPENERS = set(`no not never without excluding except don't doesn't won't cannot`);
export const EXCLUSION_PHRASES = set(`
  out_of_scope not_in_scope not_part not_included not_supported is_not are_not will_not won't_be does_not do_not
  deferred_to future_work left_for left_out excluded_from separate_feature later_phase follow-up follow_up
  no_changes no_change not_change
`);

/**
 * Words an author's template uses to talk about the document instead of the product; together
 * with an instruction verb or "you" they mark template text left in place.
 */
export const META_PHRASES = set(`
  this_section this_template the_section fill_me fill_in fill_out fill_this replace_this delete_this remove_this
  your_feature your_proposal your_project your_product example_only sample_tasks for_illustration
`);
/** Words about the document that real specs use too ("this KEP", "the proposal"): weaker evidence. */
export const WEAK_META_PHRASES = set(`
  this_rfc this_kep this_document this_proposal this_page the_proposal if_applicable as_applicable e.g
`);
export const INSTRUCTION_VERBS = set(`
  describe explain list provide include add fill replace summarize summarise outline write insert enter state specify
  define identify document note mention consider discuss elaborate clarify indicate give link detail capture think try
  explaining introducing describing discussing listing providing
`);
export const SECOND_PERSON = set(`you your yours you're yourself`);

/** Generic nouns of document templates ("Primary objectives and desired outcomes"). */
export const GENERIC_WORDS = set(`
  requirement requirements objective objectives goal goals outcome outcomes feature features capability capabilities
  item items criteria criterion condition conditions stakeholder stakeholders persona personas scope description
  summary overview details detail information process functionality behavior behaviors behaviour behaviours
  performance reliability security accessibility compliance metric metrics risk risks mitigation mitigations owner
  owners decision decisions milestone milestones phase phases primary secondary key desired expected relevant
  explicit explicitly core main general overall specific clear clearly brief briefly short high-level level value
  business customer customers product products solution solutions approach approaches problem problems pain points
  context background impact benefit benefits need needs use case cases user users system systems stuff things thing
  area areas aspect aspects component components element elements part parts section sections list lists
  considerations consideration constraints constraint assumptions assumption dependencies dependency team teams
  plan plans strategy strategies support supported data quality experience experiences success work done
  target targets expectations expectation handling error errors edge limitations limitation new existing additional
  important necessary required optional various different multiple several many few other others
`);

/** English words that are capitalised without being names (sentence openers aside). */
export const COMMON_CAPITALISED = set(`I OK Yes No None The A An This That These Those It We You They He She`);

/** RFC 2119 keywords and document labels that are written in capitals without naming anything. */
export const CAPS_NOT_NAMES = set(`MUST SHALL SHOULD MAY NOT REQUIRED RECOMMENDED OPTIONAL AND OR IF THEN WHEN GIVEN NOTE TODO TBD FIXME XXX CRITICAL IMPORTANT WARNING MVP NA N/A OK ID IDS FR NFR SC US P1 P2 P3 P0 P`);

/** File extensions that make a token a file name. */
export const FILE_EXTENSIONS = set(`
  py pyi ts tsx js jsx mjs cjs mts cts go rs java kt kts swift rb php cs c h cc cpp hpp m mm json yaml yml toml ini
  cfg conf sql md mdx html htm css scss sass less vue svelte graphql gql proto sh bash zsh ps1 bat txt lock env xml
  gradle tf tfvars hcl lua ex exs erl hrl clj scala dart r jl nim zig sol txt csv tsv ipynb dockerfile makefile
  mod sum png svg jpg jpeg gif webp ico pdf wasm so dll rst adoc cmake bzl bazel nix
`);

/** Abbreviations whose period does not end a sentence. */
export const ABBREVIATIONS = set(`e.g i.e etc vs cf fig approx incl esp resp dept mr mrs dr jr sr inc ltd vol`);

/** Bit flags of a lower-case word, so reading a token costs one Map lookup. */
export const F = {
  function: 1 << 0,
  lorem: 1 << 1,
  mash: 1 << 2,
  vague: 1 << 3,
  observable: 1 << 4,
  modal: 1 << 5,
  condition: 1 << 6,
  test: 1 << 7,
  ui: 1 << 8,
  uiState: 1 << 9,
  uiInteraction: 1 << 10,
  dependency: 1 << 11,
  exclusionOpener: 1 << 12,
  meta: 1 << 13,
  instruction: 1 << 14,
  secondPerson: 1 << 15,
  generic: 1 << 16,
  creation: 1 << 17,
  strongUnit: 1 << 18,
  countUnit: 1 << 19,
  comparator: 1 << 20,
  phraseHead: 1 << 21,
  claimSubject: 1 << 22,
  claimVerb: 1 << 23,
  gwt: 1 << 24,
  weakMeta: 1 << 25,
  numberWord: 1 << 26,
} as const;

const CREATION_WORDS = set(`create creates created add adds new introduce introduces generate scaffold initialize initialise`);

function buildFlags(): Map<string, number> {
  const m = new Map<string, number>();
  const mark = (words: ReadonlySet<string>, flag: number) => {
    for (const w of words) m.set(w, (m.get(w) ?? 0) | flag);
  };
  mark(FUNCTION_WORDS, F.function);
  mark(LOREM_WORDS, F.lorem);
  mark(MASH_WORDS, F.mash);
  mark(VAGUE_WORDS, F.vague);
  mark(OBSERVABLE, F.observable);
  mark(MODALS, F.modal);
  mark(CONDITION_OPENERS, F.condition);
  mark(TEST_WORDS, F.test);
  mark(UI_WORDS, F.ui);
  mark(UI_STATES, F.uiState);
  mark(UI_INTERACTIONS, F.uiInteraction);
  mark(DEPENDENCY_WORDS, F.dependency);
  mark(EXCLUSION_OPENERS, F.exclusionOpener);
  mark(INSTRUCTION_VERBS, F.instruction);
  mark(SECOND_PERSON, F.secondPerson);
  mark(GENERIC_WORDS, F.generic);
  mark(CREATION_WORDS, F.creation);
  mark(STRONG_UNITS, F.strongUnit);
  mark(COUNT_UNITS, F.countUnit);
  mark(COMPARATORS, F.comparator);
  mark(EMPTY_CLAIM_SUBJECTS, F.claimSubject);
  mark(EMPTY_CLAIM_VERBS, F.claimVerb);
  mark(set('given when then'), F.gwt);
  mark(NUMBER_WORDS, F.numberWord);
  for (const w of WEAK_META_PHRASES) if (!w.includes('_')) m.set(w, (m.get(w) ?? 0) | F.weakMeta);
  // First words of the multi-word phrases: only those start a bigram lookup.
  for (const phrases of [VAGUE_PHRASES, EXCLUSION_PHRASES, META_PHRASES, WEAK_META_PHRASES]) {
    for (const p of phrases) {
      const i = p.indexOf('_');
      if (i > 0) m.set(p.slice(0, i), (m.get(p.slice(0, i)) ?? 0) | F.phraseHead);
      // Trigram phrases start their bigram with the second word too.
      const j = p.indexOf('_', i + 1);
      if (j > 0) m.set(p.slice(0, j), (m.get(p.slice(0, j)) ?? 0) | F.phraseHead);
    }
  }
  return m;
}

export const WORD_FLAGS: ReadonlyMap<string, number> = buildFlags();
