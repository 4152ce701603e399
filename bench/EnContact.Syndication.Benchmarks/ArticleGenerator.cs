using System.Globalization;
using System.Text;

namespace EnContact.Syndication.Benchmarks;

/// <summary>One generated article file: where it goes under the content folder and its bytes (UTF-8, no BOM).</summary>
public sealed record GeneratedArticle(string RelativePath, byte[] Bytes);

/// <summary>
/// Realistic French articles for the ingestion benchmark, the same ones for the same seed: YAML
/// front matter in the magazine's format (quoted titles with accents and sometimes '&amp;' or '&gt;',
/// a unique slug, a past publication time in magazine time, authors, one of four sections,
/// issue, tags, access) and a 2–4 KB Markdown body with headings, paragraphs, a list and a link.
/// </summary>
public sealed class ArticleGenerator(int seed = 20261127)
{
    private static readonly string[] Sections = ["analyses", "études", "entretiens", "indiscrétions"];

    private static readonly string[] Authors =
    [
        "Anaïs Roche", "Loïc Tessier", "Claire Vasseur", "Hélène Marchand", "François Lefèvre",
        "Zoé Bénard", "Jérôme Gaillard", "Cécile Aubert", "Maël Guérin", "Agnès Thévenot",
    ];

    private static readonly string[] Tags =
    [
        "ia", "crm", "nearshore", "maroc", "tunisie", "portugal", "emploi", "bpo", "marché", "voicebot",
        "rgpd", "omnicanal", "télétravail", "qualité", "formation", "assurance", "énergie", "télécoms",
    ];

    private static readonly string[] Subjects =
    [
        "les centres de contacts", "le nearshore francophone", "l’IA générative", "les plateaux marocains",
        "la relation client", "les donneurs d’ordre", "les conseillers", "le selfcare", "les voicebots",
        "la qualité de service", "l’externalisation", "les hubs multilingues", "le recrutement",
    ];

    private static readonly string[] Verbs =
    [
        "face à", "à l’épreuve de", "au cœur de", "contre", "après", "avant", "sans", "grâce à", "malgré",
    ];

    private static readonly string[] Objects =
    [
        "la pénurie de talents", "la hausse des salaires", "l’automatisation", "la réinternalisation",
        "la réglementation européenne", "la crise énergétique", "la montée en gamme", "la fidélisation",
        "l’hypercroissance du e-commerce", "la surveillance algorithmique", "la semaine de quatre jours",
    ];

    private static readonly string[] Sentences =
    [
        "Les prestataires interrogés décrivent tous la même situation : les candidatures baissent, les exigences montent.",
        "À Casablanca comme à Tunis, le turnover annuel dépasse fréquemment 40 % sur les plateaux généralistes.",
        "« Nous avons réinternalisé pour mieux externaliser », résume une directrice de l’expérience client.",
        "Le coût horaire d’un conseiller a progressé de près de 12 % en deux ans, selon les estimations recueillies.",
        "Les donneurs d’ordre exigent désormais des engagements de résultat plutôt que des engagements de moyens.",
        "L’intelligence artificielle ne remplace pas les conseillers : elle déplace leur travail vers les cas complexes.",
        "Plusieurs acteurs ouvrent des sites à Fès, Meknès, Oujda ou Agadir, où la pression salariale est moindre.",
        "Le télétravail, longtemps marginal, concerne aujourd’hui un conseiller sur trois dans l’Hexagone.",
        "La qualité perçue par les clients finaux reste pourtant stable, voire en légère amélioration.",
        "Les syndicats dénoncent une « course à la productivité » dont les conseillers seraient les premières victimes.",
        "Pour les directions achats, la question n’est plus le prix à l’heure mais le coût par contact résolu.",
        "Les éditeurs de CRM promettent une vue unifiée du client ; les équipes terrain attendent toujours.",
        "Un dirigeant l’admet volontiers : « Nous avons sous-estimé le temps de formation des agents augmentés. »",
        "Les hubs portugais, eux, misent sur le multilinguisme et attirent des profils venus de toute l’Europe.",
        "À l’horizon 2028, la moitié des contacts simples pourrait être traitée sans intervention humaine.",
        "Reste une inconnue : la réaction des clients âgés, très attachés au contact téléphonique.",
    ];

    private static readonly string[] Headings =
    [
        "Un marché de l’emploi sous tension", "Les villes moyennes en embuscade", "Ce que disent les chiffres",
        "Le regard des donneurs d’ordre", "Une réglementation qui se durcit", "Et demain ?",
        "L’IA, accélérateur ou repoussoir", "Des salaires en hausse", "Le point de vue des conseillers",
    ];

    private static readonly string[] ListItems =
    [
        "la concurrence des secteurs de l’automobile et du numérique ;",
        "une génération moins attirée par les horaires décalés ;",
        "un niveau de français jugé en recul par les formateurs ;",
        "la montée des offres de télétravail venues de l’étranger ;",
        "des exigences de sécurité des données renforcées (RGPD, DORA) ;",
        "des clients qui passent d’un canal à l’autre sans prévenir ;",
        "des indicateurs de qualité repensés autour de la résolution au premier contact.",
    ];

    private readonly int _seed = seed;

    /// <summary>The articles, in a stable order; paths look like <c>2023/slug.md</c>, spread over 2018–2026.</summary>
    public IEnumerable<GeneratedArticle> Generate(int count)
    {
        var random = new Random(_seed);
        for (var i = 0; i < count; i++)
            yield return One(random, i);
    }

    /// <summary>Writes <paramref name="count"/> articles under <paramref name="folder"/>; returns them with their total size.</summary>
    public (IReadOnlyList<GeneratedArticle> Articles, long TotalBytes) WriteTo(string folder, int count)
    {
        var articles = Generate(count).ToList();
        long total = 0;
        foreach (var article in articles)
        {
            var path = Path.Combine(folder, article.RelativePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, article.Bytes);
            total += article.Bytes.Length;
        }
        return (articles, total);
    }

    /// <summary>The same file with a paragraph appended to its body: its bytes and its article's content both change.</summary>
    public static byte[] Edited(byte[] original, int run) =>
        [.. original, .. Encoding.UTF8.GetBytes($"\n*Mise à jour n° {run + 1} : un chiffre a été corrigé après publication.*\n")];

    private static GeneratedArticle One(Random random, int index)
    {
        // Past instants only (2018-01-01 … 2026-10-31), between 06:00 and 20:59 so no time falls in a DST gap.
        var first = new DateTime(2018, 1, 1);
        var days = (new DateTime(2026, 10, 31) - first).Days;
        var day = first.AddDays(random.Next(days + 1));
        var published = day.AddHours(random.Next(6, 21)).AddMinutes(random.Next(0, 4) * 15);
        var issue = 1 + (published.Year - 2018) * 6 + (published.Month - 1) / 2;

        var subject = Pick(random, Subjects);
        var title = (random.Next(10)) switch
        {
            0 => $"{Capitalise(subject)} & {Pick(random, Objects)} : le grand écart",
            1 => $"Coût > qualité ? {Capitalise(subject)} {Pick(random, Verbs)} {Pick(random, Objects)}",
            2 => $"« {Capitalise(Pick(random, Objects))} » : ce que {subject} y gagnent",
            _ => $"{Capitalise(subject)} {Pick(random, Verbs)} {Pick(random, Objects)}",
        };
        var slug = $"{Slug(subject)}-{index:D6}";
        var section = Sections[random.Next(Sections.Length)];
        var authors = PickSome(random, Authors, 1, 3);
        var tags = PickSome(random, Tags, 2, 5);
        var access = random.Next(10) < 7 ? "free" : "premium";

        var text = new StringBuilder(4096);
        text.Append("---\n");
        text.Append("title: ").Append(Quote(title)).Append('\n');
        text.Append("slug: ").Append(slug).Append('\n');
        text.Append("published: ").Append(published.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)).Append('\n');
        text.Append("authors: [").Append(string.Join(", ", authors)).Append("]\n");
        text.Append("section: ").Append(section).Append('\n');
        text.Append("issue: En-Contact ").Append(issue.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append("tags: [").Append(string.Join(", ", tags)).Append("]\n");
        text.Append("access: ").Append(access).Append('\n');
        if (random.Next(2) == 0)
            text.Append("summary: ").Append(Quote($"{Pick(random, Sentences)} {Pick(random, Sentences)}")).Append('\n');
        text.Append("---\n");

        var target = random.Next(2048, 4096);
        text.Append(Paragraph(random, 3)).Append("\n\n");
        var listDone = false;
        var linkDone = false;
        while (Encoding.UTF8.GetByteCount(text.ToString()) < target - 300)
        {
            text.Append("## ").Append(Pick(random, Headings)).Append("\n\n");
            text.Append(Paragraph(random, random.Next(2, 5))).Append("\n\n");
            if (!listDone)
            {
                text.Append("Plusieurs facteurs se cumulent :\n\n");
                foreach (var item in PickSome(random, ListItems, 3, 5))
                    text.Append("- ").Append(item).Append('\n');
                text.Append('\n');
                listDone = true;
            }
            else if (!linkDone)
            {
                text.Append("Lire aussi [notre dossier sur ").Append(Pick(random, Subjects))
                    .Append("](https://www.en-contact.com/dossiers/").Append(Slug(subject)).Append(") et **le baromètre** de l’année.\n\n");
                linkDone = true;
            }
            else if (random.Next(3) == 0)
            {
                text.Append("> ").Append(Pick(random, Sentences)).Append("\n\n");
            }
        }
        if (!linkDone)
            text.Append("Lire aussi [nos analyses](/rubriques/analyses).\n\n");
        text.Append(Paragraph(random, 2)).Append('\n');

        return new GeneratedArticle($"{published.Year}/{slug}.md", Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static string Paragraph(Random random, int sentences) =>
        string.Join(' ', Enumerable.Range(0, sentences).Select(_ => Pick(random, Sentences)));

    private static string Pick(Random random, string[] values) => values[random.Next(values.Length)];

    private static string[] PickSome(Random random, string[] values, int min, int max)
    {
        var count = random.Next(min, max + 1);
        return values.OrderBy(_ => random.Next()).Take(count).ToArray();
    }

    /// <summary>A YAML double-quoted scalar.</summary>
    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    private static string Capitalise(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    private static string Slug(string text) => Base.Slugs.From(text);
}
