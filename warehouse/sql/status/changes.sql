-- Status report "Changes since the previous warehouse".
SELECT kind, item, detail FROM changes ORDER BY kind, item;
