from lepton_desktop.services.settings import SCHEMA_VERSION, Settings, load_settings, save_settings, settings_path


def test_round_trip_and_recent_list():
    s = Settings(annotator="ana")
    for i in range(15):
        s.remember_video(f"/v/{i}.mp4")
    s.remember_video("/v/3.mp4")
    save_settings(s)
    back = load_settings()
    assert back.annotator == "ana"
    assert back.recent_videos[0].endswith("3.mp4") and len(back.recent_videos) == 10


def test_damaged_or_newer_settings_give_defaults_and_stay_untouched():
    path = settings_path()
    path.write_text("{not json")
    assert load_settings() == Settings()
    assert path.read_text() == "{not json"
    path.write_text(f'{{"schema_version": {SCHEMA_VERSION + 1}, "annotator": "x"}}')
    assert load_settings().annotator == ""
    path.write_text('{"schema_version": 1, "annotator": "bo", "unknown_key": 3}')
    assert load_settings().annotator == "bo"
