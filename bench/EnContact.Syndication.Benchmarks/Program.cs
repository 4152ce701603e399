using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using EnContact.Syndication.Benchmarks;

// Benchmarks, run by hand (see BENCHMARKS.md):
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- ingestion [--articles 10000] [--runs 5]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- micro [BenchmarkDotNet arguments]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- feeds [--articles 10000] [--runs 5]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- generate <folder> [--articles 10000] [--seed S]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- digest [--subscribers 100000] [--connections 8] [--batch 500]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- hostile [--runs 5]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- scale [--storage postgresql] [--subscribers 100000] [--instances 1]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- feed-metrics [BenchmarkDotNet arguments]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- bounces [--bounces 10000] [--runs 3] [--storage postgresql]
//   dotnet run -c Release --project bench/EnContact.Syndication.Benchmarks -- startup [--runs 5] [--articles N]

const string Usage = """
    Usage:
      ingestion [--articles N] [--runs R] [--warmup W] [--seed S] [--work DIR] [--keep]
          Import of N generated articles into an empty store, rescan of the N unchanged files and
          rescan after 1 % changed, against reading/hashing the files; prints a Markdown table.
          Defaults: 10000 articles, 5 runs, 1000 warm-up articles. Exit code 1 when a check fails.
      micro [BenchmarkDotNet arguments]
          Per-file cost of each ingestion step (parse, Markdown, sanitise, summary, hash), in-process.
      feeds [--articles N] [--runs R] [--seed S] [--work DIR] [--keep]
          Full rebuild of every feed (FeedPublisher.RebuildAsync) with N generated articles in the
          store, split into store read, rendering, compression and mirror write; plus a start-up
          build after a restart, a rebuild after one article changed and a no-change rebuild.
          Defaults: 10000 articles, 5 runs. Exit code 1 when a check fails.
      generate <folder> [--articles N] [--seed S]
          Writes N generated articles (the benchmarks' generator) under <folder> and exits.
          Defaults: 10000 articles, the benchmarks' seed. Used by bench/feeds-http.sh.
      delivery [--messages N] [--size-kb K] [--connections C] [--runs R]: SMTP delivery vs smtp-source (`delivery --help` for all options)
      digest [--subscribers N] [--articles A] [--sections S] [--connections C] [--batch B]: a whole edition, build to last message
          accepted by smtp-sink (`digest --help` for all options)
      scale [--storage sqlite|postgresql] [--subscribers N] [--instances 0|1|2]: one edition queued while another writer
          writes, then delivered by real serve processes, against smtp-source (`scale --help` for all options)
      bounces [--bounces N] [--runs R] [--storage sqlite|postgresql]: an edition's N reports (DSNs, complaints, auto-replies,
          mailed unsubscribes) through the handler alone, then from a real Dovecot through the gateway's mailbox reader
          (`bounces --help` for all options)
      feed-metrics [BenchmarkDotNet arguments]
          One feed poll (200 gzip, 304) served with the feed metrics off and on, in-process.
      startup [--runs R] [--articles N] [--seed S] [--published DIR] [--artifacts-path DIR] [--work DIR] [--keep]
          Publishes the gateway (dotnet publish -c Release) once, then starts it ('serve', SQLite, Production)
          R times in each of three states: an empty folder, a new database with the compiled-template cache
          of an earlier start, and a restart of the same folder; measures process start to the first 200 on
          /feeds/all.atom and splits it with the gateway's log. Content: the repository's sample articles, or
          N generated ones. --published: start that published folder instead of publishing. Default 5 runs.
      hostile [--runs R]
          What each hostile content file (deep nesting, huge or pathological titles and bodies) costs
          the parsing and normalising of a scan, next to a typical article. Default 5 runs.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

switch (args[0])
{
    case "ingestion":
    {
        var options = BenchArgs.Parse(args[1..], new IngestionBenchmarkOptions(), Usage, (o, name, a) => name switch
        {
            "--articles" => o with { Articles = a.Count(1) },
            "--runs" => o with { Runs = a.Count(1) },
            "--warmup" => o with { WarmupArticles = a.Count(1) },
            "--seed" => o with { Seed = a.Count(0) },
            "--work" => o with { WorkFolder = Path.GetFullPath(a.Next()) },
            "--keep" => o with { Keep = true },
            _ => throw BenchArgs.Unknown(name),
        });
        if (options is null)
            return 2;

        return await CheckedBenchmark.RunInterruptiblyAsync(new IngestionBenchmark(options, Console.Out).RunAsync);
    }

    case "feeds":
    {
        var options = BenchArgs.Parse(args[1..], new FeedsBenchmarkOptions(), Usage, (o, name, a) => name switch
        {
            "--articles" => o with { Articles = a.Count(1) },
            "--runs" => o with { Runs = a.Count(1) },
            "--seed" => o with { Seed = a.Count(0) },
            "--work" => o with { WorkFolder = Path.GetFullPath(a.Next()) },
            "--keep" => o with { Keep = true },
            _ => throw BenchArgs.Unknown(name),
        });
        if (options is null)
            return 2;

        return await CheckedBenchmark.RunInterruptiblyAsync(new FeedsBenchmark(options, Console.Out).RunAsync);
    }

    case "hostile":
    {
        var options = BenchArgs.Parse(args[1..], new HostileInputBenchmark.Options(), Usage, (o, name, a) => name switch
        {
            "--runs" => o with { Runs = a.Count(1) },
            _ => throw BenchArgs.Unknown(name),
        });
        if (options is null)
            return 2;
        return await CheckedBenchmark.RunInterruptiblyAsync(ct => new HostileInputBenchmark(Console.Out).RunAsync(options.Runs, ct));
    }

    case "startup":
    {
        var options = BenchArgs.Parse(args[1..], new StartupBenchmarkOptions(), Usage, (o, name, a) => name switch
        {
            "--runs" => o with { Runs = a.Count(1) },
            "--articles" => o with { Articles = a.Count(0) },
            "--seed" => o with { Seed = a.Count(0) },
            "--published" => o with { Published = Path.GetFullPath(a.Next()) },
            "--artifacts-path" => o with { ArtifactsPath = Path.GetFullPath(a.Next()) },
            "--work" => o with { WorkFolder = Path.GetFullPath(a.Next()) },
            "--keep" => o with { Keep = true },
            _ => throw BenchArgs.Unknown(name),
        });
        if (options is null)
            return 2;
        return await CheckedBenchmark.RunInterruptiblyAsync(new StartupBenchmark(options, Console.Out).RunAsync);
    }

    case "generate":
    {
        string? folder = null;
        var articles = 10_000;
        var seed = new IngestionBenchmarkOptions().Seed;
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Count(int min) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new ArgumentException($"{args[i - 1]} needs a whole number of at least {min}");
            try
            {
                switch (args[i])
                {
                    case "--articles": articles = Count(1); break;
                    case "--seed": seed = Count(0); break;
                    case var a when a.StartsWith('-'): throw new ArgumentException($"unknown option {a}");
                    case var a when folder is null: folder = Path.GetFullPath(a); break;
                    default: throw new ArgumentException($"only one folder, got '{folder}' and '{args[i]}'");
                }
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine(e.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }
        if (folder is null)
        {
            Console.Error.WriteLine("generate needs a folder");
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            // Files from another seed or count would stay behind and be ingested too.
            Console.Error.WriteLine($"'{folder}' is not empty; generate writes into a new or empty folder");
            return 2;
        }

        var (written, bytes) = new ArticleGenerator(seed).WriteTo(folder, articles);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{written.Count} articles ({bytes / 1048576.0:0.0} MiB, seed {seed}) written under {folder}"));
        return 0;
    }

    case "delivery":
        if (args.Length > 1 && args[1] is "-h" or "--help")
        {
            Console.WriteLine(DeliveryBenchmark.Usage);
            return 0;
        }
        return await DeliveryBenchmark.MainAsync(args[1..], Console.Out);

    case "digest":
        if (args.Length > 1 && args[1] is "-h" or "--help")
        {
            Console.WriteLine(DigestBenchmark.Usage);
            return 0;
        }
        return await DigestBenchmark.MainAsync(args[1..], Console.Out);

    case "scale":
        if (args.Length > 1 && args[1] is "-h" or "--help")
        {
            Console.WriteLine(ScaleBenchmark.Usage);
            return 0;
        }
        return await ScaleBenchmark.MainAsync(args[1..], Console.Out);

    case "bounces":
        if (args.Length > 1 && args[1] is "-h" or "--help")
        {
            Console.WriteLine(BounceBenchmark.Usage);
            return 0;
        }
        return await BounceBenchmark.MainAsync(args[1..], Console.Out);

    case "micro":
    {
        // In-process: no second build of the solution (other people build it concurrently); results go
        // to the temp folder, not the repository (BenchmarkDotNet's --artifacts option overrides this).
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance))
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "encontact-bench-artifacts"));
        BenchmarkRunner.Run<ArticlePipelineBenchmarks>(config, args[1..]);
        return 0;
    }

    case "feed-metrics":
    {
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance))
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "encontact-bench-artifacts"));
        BenchmarkRunner.Run<FeedPollMetricsBenchmarks>(config, args[1..]);
        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
        Console.Error.WriteLine(Usage);
        return 2;
}
