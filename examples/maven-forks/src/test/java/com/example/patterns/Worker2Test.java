package com.example.patterns;

class Worker2Test extends AbstractWorker {}
