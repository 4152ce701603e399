using System.Globalization;
using System.Text;

namespace EnContact.Syndication.Tests.Fixtures;

/// <summary>One sample of a scrape: the series' name, its labels and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A scrape in the Prometheus text exposition format (version 0.0.4), read by its own small parser
/// rather than by the exporter's code: comments skipped, label values unescaped, values as doubles.
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<PrometheusSample> samples) => Samples = samples;

    public IReadOnlyList<PrometheusSample> Samples { get; }

    public static PrometheusText Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
                continue;
            samples.Add(ParseLine(line));
        }
        return new PrometheusText(samples);
    }

    /// <summary>Whether a series of that name carries every one of <paramref name="labels"/>.</summary>
    public bool Has(string name, params (string Label, string Value)[] labels) => Matching(name, labels).Any();

    /// <summary>The sum over the series of that name carrying every one of <paramref name="labels"/> (0 when there is none: a counter never incremented is not exported).</summary>
    public double Value(string name, params (string Label, string Value)[] labels) => Matching(name, labels).Sum(s => s.Value);

    public IEnumerable<PrometheusSample> Matching(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value));

    private static PrometheusSample ParseLine(string line)
    {
        var nameEnd = line.IndexOfAny(['{', ' ']);
        var name = line[..nameEnd];
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = nameEnd;
        if (line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var equals = line.IndexOf('=', i);
                var label = line[i..equals];
                i = equals + 2; // past ="
                var value = new StringBuilder();
                for (; line[i] != '"'; i++)
                {
                    if (line[i] == '\\')
                    {
                        i++;
                        value.Append(line[i] switch { 'n' => '\n', var c => c });
                    }
                    else
                        value.Append(line[i]);
                }
                labels[label] = value.ToString();
                i++; // past the closing quote
                if (line[i] == ',')
                    i++;
            }
            i++; // past }
        }
        var fields = line[i..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var number = fields[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var text => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new PrometheusSample(name, labels, number);
    }
}
